"""Who moved a published price: the shares of an index or oracle publication's contributors.

A publication aggregates the source updates it received since the previous publication (its
*window*). Each update moves its source's price across a range of levels, and each level is
credited to its *owner*: the record whose update last crossed it in that direction for the
first time within ``memory`` seconds, else the update's own record, which becomes its owner.
So a print that only takes the price back to a level another record's flow set a moment ago
(a small buy after a small sell into a book a hedge emptied) does not take that level's
credit. Weighted by the source's index weight w, the credits in the direction of the window's
net move share that move in proportion to w × the levels credited (summed per record, in order
of first credit). A window whose moves cancel exactly shares by all its credits; a window
without a move repeats the previous publication's shares; the first publication, with no move
yet, credits the record behind each source's latest price by weight. Shares are positive and
sum to 1. The publication's ``cause`` (its primary contributor) is the record credited with
the last levels crossed the way the window moved, the one that took the price where it was
published (the first publication's: the source of largest weight; a window without a move
keeps the previous one).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

LEVEL_MEMORY = 10.0  # seconds a record owns the price levels it crossed (the default)


class LevelOwners:
    """The owners of the price levels crossed in one direction (as increasing numbers), kept as
    sorted, disjoint segments [lo, hi) with their owner and the time it crossed them."""

    def __init__(self, memory: float) -> None:
        self.memory = memory
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.owner: list[tuple[int, float]] = []  # (record, time it crossed the segment)

    def cross(self, a: float, b: float, record: int, now: float) -> list[tuple[int, float]]:
        """Credit ``record``'s crossing from ``a`` up to ``b``: (credited record, length) per piece,
        in level order; fresh segments keep their owner, the rest becomes ``record``'s."""
        i, j = bisect_right(self.hi, a), bisect_left(self.lo, b)
        mine = (record, now)
        pieces: list[tuple[float, float, tuple[int, float]]] = []
        x = a
        for lo, hi, owner in zip(self.lo[i:j], self.hi[i:j], self.owner[i:j], strict=True):
            if lo < x:
                pieces.append((lo, x, owner))
            elif lo > x:
                pieces.append((x, lo, mine))
            top = min(hi, b)
            pieces.append((max(lo, x), top, owner if now - owner[1] <= self.memory else mine))
            if hi > b:
                pieces.append((b, hi, owner))
            x = top
        if x < b:
            pieces.append((x, b, mine))
        merged: list[tuple[float, float, tuple[int, float]]] = []
        for lo, hi, owner in pieces:
            if merged and merged[-1][2] == owner and merged[-1][1] == lo:
                merged[-1] = (merged[-1][0], hi, owner)
            elif hi > lo:
                merged.append((lo, hi, owner))
        self.lo[i:j] = [p[0] for p in merged]
        self.hi[i:j] = [p[1] for p in merged]
        self.owner[i:j] = [p[2] for p in merged]
        return [(owner[0], min(hi, b) - max(lo, a)) for lo, hi, owner in merged if lo < b and hi > a]


class MoveWindow:
    """The credited moves an aggregate price has received since its last publication."""

    def __init__(self, weights: dict[str, float], memory: float = LEVEL_MEMORY) -> None:
        total = sum(weights.values())
        self.weights = {s: w / total for s, w in weights.items()}
        self.owners = {s: (LevelOwners(memory), LevelOwners(memory)) for s in weights}  # (up, down)
        self.latest: dict[str, tuple[float, int]] = {}  # source -> (price, record that set it)
        self.moves: list[tuple[int, float]] = []  # (credited record, w × signed levels) in arrival order
        self.shares: list[tuple[int, float]] = []  # the last publication's, and its primary record
        self.primary = -1

    def update(self, source: str, price: float | None, record: int, now: float) -> None:
        """A source's new price, set by ``record`` at ``now`` (None, no price, is no move; nor is
        a source's first price)."""
        if price is None:
            return
        previous = self.latest.get(source)
        self.latest[source] = (price, record)
        if previous is None or price == previous[0]:
            return
        before = previous[0]
        w = self.weights[source]
        up, down = self.owners[source]
        if price > before:
            self.moves += [(r, w * x) for r, x in up.cross(before, price, record, now)]
        else:
            self.moves += [(r, -w * x) for r, x in down.cross(-before, -price, record, now)]

    def close(self) -> tuple[list[tuple[int, float]], int]:
        """The (record, share) pairs of a publication now and its primary record (see the module
        docstring); starts the next window."""
        net = sum(m for _, m in self.moves)
        if self.moves:
            counted = [(r, abs(m)) for r, m in self.moves if net == 0 or (m > 0) == (net > 0)]
            self.primary = counted[-1][0]
        elif self.shares:
            counted = self.shares
        else:
            counted = [(r, self.weights[s]) for s, (_, r) in self.latest.items() if r >= 0]
            self.primary = max(counted, key=lambda pair: pair[1])[0] if counted else -1
        self.moves = []
        self.shares = normalised(counted) or self.shares
        return self.shares, self.primary


def normalised(weighted: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """(record, weight) pairs summed per record (in order of first appearance) and scaled to sum
    to 1, dropping zeros; empty if nothing is left."""
    summed: dict[int, float] = {}
    for record, weight in weighted:
        summed[record] = summed.get(record, 0.0) + weight
    total = sum(summed.values())
    return [(r, w / total) for r, w in summed.items() if w > 0] if total > 0 else []
