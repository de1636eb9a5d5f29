"""Liquidation waves and forced flow, from a trace and its contributors table.

*Forced flow* is what a liquidation makes happen: a record is forced when it is a forced root
(``FORCED_ROOTS``), or when its cause is forced and the hop from that cause carries forced flow
on (``FORCED_HOPS``: a trade executing a forced order or a liquidation's close, a maker's fill
of a forced trade, a market maker's hedge of a forced fill or ADL close, an order placed by a
hedge, a takeover or a backstop). An order placed in reaction to a price (a profit-taker's, a
quote) is not forced, even when a forced trade set that price.

A *batch* is the liquidations that one record set off (their common cause: a mark, or a
funding payment). Its *publication* is the first record on that cause's chain that is not a
mark or funding payment (an index or oracle publication), and its *move* the publication's
contributors (sim/market/attribution.py; in a trace without them, its cause, share 1). Batches are
taken in time order: the first is wave 1; a later one starts the next wave when its
publication rose at least ``step`` (default ``WAVE_STEP``, 1%) the cascade's way over the
one before and at least ``share`` (default ``WAVE_SHARE``, 0.5) of its move is forced flow,
some of it descending from the current wave; otherwise it belongs to the current wave. Every
other record belongs to the wave of its cause (0: none).

Forced flow in the cascade's direction (the ignition's: buying in a squeeze) is counted in four
channels (``Channels``): ``perp_book``, liquidations' closes on the perp books; ``off_book``,
positions of the liquidated side moved without the book (ADL closes, takeovers, backstops);
``spot_hedges``, market makers' spot trades hedging forced fills; ``unwinds``, insurance
funds' and vaults' trades unwinding what they took over.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from itertools import repeat

import numpy as np

from sim.core.trace import Kind, TraceTable

WAVE_SHARE = 0.5  # the forced share of a batch's move that starts a new wave
WAVE_STEP = 0.01  # the least rise of the publication behind a batch that starts a new wave
FORCED_ROOTS = {  # kind of record that starts forced flow: the channel of the book trades it leads to
    Kind.LIQUIDATION: "perp_book",
    Kind.ADL: "off_book",
    Kind.TAKEOVER: "unwinds",
    Kind.BACKSTOP: "unwinds",
}
FORCED_HOPS = {  # kind of record: the kinds of cause through which it carries forced flow on
    Kind.TRADE: (Kind.ORDER, Kind.LIQUIDATION),
    Kind.FILL: (Kind.TRADE,),
    Kind.HEDGE: (Kind.FILL, Kind.TRADE, Kind.ADL),
    Kind.UNWIND: (Kind.TAKEOVER, Kind.BACKSTOP),
    Kind.ORDER: (Kind.HEDGE, Kind.UNWIND, Kind.LIQUIDATION),
}
CHANNEL_FROM = {Kind.HEDGE: "spot_hedges"}  # kinds that switch the channel of the flow below them
# Records that move positions without a book trade, and the sign that turns a record's side into
# the flow's direction: an ADL close carries the deleveraged counterparty's side (the flow's), a
# takeover or backstop the side of the position taken over.
OFF_BOOK = {Kind.ADL: 1, Kind.TAKEOVER: -1, Kind.BACKSTOP: -1}
AGGREGATES = (Kind.INDEX, Kind.ORACLE)  # publications whose moves have contributors
PRICE_KINDS = (Kind.MARK, Kind.FUNDING_RATE)  # records a batch's move is traced through to its publication


@dataclass(frozen=True)
class Channels:
    """Forced flow per channel, in quote currency (or as multiples of the ignition)."""

    perp_book: float = 0.0
    off_book: float = 0.0
    spot_hedges: float = 0.0
    unwinds: float = 0.0

    @property
    def total(self) -> float:
        return self.perp_book + self.off_book + self.spot_hedges + self.unwinds

    def over(self, ignition: float) -> Channels | None:
        """Each channel ÷ ``ignition`` (None without an ignition)."""
        return Channels(*(getattr(self, f.name) / ignition for f in fields(self))) if ignition else None

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Wave:
    """One liquidation wave and the forced flow it caused.

    ``first_id`` and ``last_id`` are its first and last liquidation records, ``batches`` how
    many batches it holds, ``forced_share`` the share of its first batch's move that was
    forced flow (0 for wave 1: nothing was liquidated before it). ``forced`` is the forced flow
    descending from its liquidations per channel, ``amplification`` its total ÷ the ignition,
    so the waves' add up to the run's (None without an ignition).
    """

    wave: int
    start_s: float
    end_s: float
    first_id: int
    last_id: int
    count: int
    batches: int
    notional: float
    max_mark: float
    forced_share: float
    forced: Channels
    amplification: float | None


@dataclass(frozen=True)
class Cascade:
    """Per record: its wave, whether it is forced flow and its channel ('' if not forced); per
    batch (keyed by the record that set it off): its wave and the forced share of its move."""

    wave: np.ndarray
    forced: np.ndarray
    channel: np.ndarray
    batch_wave: dict[int, int]
    batch_share: dict[int, float]


def cascade(table: TraceTable, share: float = WAVE_SHARE, step: float = WAVE_STEP) -> Cascade:
    """Waves and forced flow of every record (see the module docstring).

    1. Mark the forced records and their channels (``forced_flow``).
    2. Find each record's nearest liquidation on its cause chain, itself included (``anchors``).
    3. Take the batches in time order, each starting a wave or joining the current one by the
       rise of its publication and the forced share of its move (its drivers' waves are their
       anchors' batches').
    4. Give every record its anchor's wave.
    """
    forced, channel = forced_flow(table)
    anchor = anchors(table)
    kind, cause = table.kind, table.cause
    liq = np.flatnonzero(kind == Kind.LIQUIDATION)
    triggers = cause[liq].tolist()
    rows, rises = _rows(table), _rises(table)
    batch_wave: dict[int, int] = {}
    batch_share: dict[int, float] = {}
    current = 0
    for trigger in dict.fromkeys(triggers):
        publication = _publication(trigger, kind, cause)
        move = _move(publication, kind, cause, rows)
        driven = [(s, _wave_of(r, anchor, cause, batch_wave)) for r, s in move if r >= 0 and forced[r]]  # -1: exogenous
        part = float(sum(s for s, _ in driven))
        starts = part >= share and rises.get(publication, 0.0) >= step and any(w == current for _, w in driven)
        current += 1 if current == 0 or starts else 0
        batch_wave[trigger], batch_share[trigger] = current, part
    liq_wave = np.zeros(len(kind) + 1, dtype=np.int64)  # the last slot: no anchor
    liq_wave[liq] = [batch_wave[c] for c in triggers]
    return Cascade(liq_wave[anchor], forced, channel, batch_wave, batch_share)


def forced_flow(table: TraceTable) -> tuple[np.ndarray, np.ndarray]:
    """Per record, whether it is forced flow and its channel ('' if not): roots, then what
    their hops carry on, repeated until nothing changes (as many times as the longest chain).
    Kinds and channels are small integer codes while it works."""
    kinds = list(
        dict.fromkeys([*FORCED_ROOTS, *FORCED_HOPS, *CHANNEL_FROM, *(k for v in FORCED_HOPS.values() for k in v)])
    )
    codes = {k: i + 1 for i, k in enumerate(kinds)}  # 0: any other kind
    names = ["", *dict.fromkeys([*FORCED_ROOTS.values(), *CHANNEL_FROM.values()])]
    root_channel, switch = np.zeros(len(kinds) + 1, dtype=np.int8), np.zeros(len(kinds) + 1, dtype=np.int8)
    hop = np.zeros((len(kinds) + 1, len(kinds) + 1), dtype=bool)  # [kind, cause's kind]
    for k, name in FORCED_ROOTS.items():
        root_channel[codes[k]] = names.index(name)
    for k, name in CHANNEL_FROM.items():
        switch[codes[k]] = names.index(name)
    for k, parents in FORCED_HOPS.items():
        hop[codes[k], [codes[p] for p in parents]] = True
    code = np.array(list(map(codes.get, table.kind.tolist(), repeat(0))), dtype=np.int8)
    parent = np.maximum(table.cause, 0)
    roots = root_channel[code]
    root = roots > 0
    carries = hop[code, code[parent]] & (table.cause >= 0)
    switched = switch[code]
    forced, channel = root, roots
    while True:
        now = root | (carries & forced[parent])
        named = np.where(root, roots, np.where(now, np.where(switched > 0, switched, channel[parent]), 0))
        if (now == forced).all() and (named == channel).all():
            return forced, np.array(names)[channel]
        forced, channel = now, named


def anchors(table: TraceTable) -> np.ndarray:
    """Per record, the id of the nearest liquidation on its cause chain, itself included
    (``len(table)`` for none), by pointer jumping: each round doubles the distance looked up."""
    n = len(table)
    liq = np.append(table.kind == Kind.LIQUIDATION, True)  # the sentinel slot n counts as found
    anchor = np.append(np.where(liq[:-1], np.arange(n), np.where(table.cause >= 0, table.cause, n)), n)
    while not liq[anchor].all():
        anchor = np.where(liq[anchor], anchor, anchor[anchor])
    return anchor[:-1]


def _wave_of(rid: int, anchor: np.ndarray, cause: np.ndarray, batch_wave: dict[int, int]) -> int:
    """The wave of record ``rid``, from its anchor's batch (0 without one)."""
    a = int(anchor[rid])
    return batch_wave[int(cause[a])] if a < len(cause) else 0


def _rows(table: TraceTable) -> dict[int, list[tuple[int, float]]]:
    """The contributors table's rows per record."""
    rows: dict[int, list[tuple[int, float]]] = {}
    c = table.contributors
    for r, k, s in zip(c.record.tolist(), c.contributor.tolist(), c.share.tolist(), strict=True):
        rows.setdefault(r, []).append((k, s))
    return rows


def _rises(table: TraceTable) -> dict[int, float]:
    """Per index or oracle publication, how far it rose the cascade's way over the previous
    publication of the same node, as a fraction (the first: 0)."""
    d = cascade_direction(table)
    ids = np.flatnonzero(np.isin(table.kind, AGGREGATES))
    last: dict[str, float] = {}
    out = {}
    for rid, node, price in zip(ids.tolist(), table.node[ids].tolist(), table.price[ids].tolist(), strict=True):
        before = last.get(node, price)
        out[rid] = d * (price / before - 1) if before else 0.0
        last[node] = price
    return out


def _publication(rid: int, kind: np.ndarray, cause: np.ndarray) -> int:
    """The first record on ``rid``'s cause chain, itself included, that is not a mark or funding
    payment: the publication behind a batch (-1 for none)."""
    while rid >= 0 and kind[rid] in PRICE_KINDS:
        rid = int(cause[rid])
    return rid


def _move(rid: int, kind: np.ndarray, cause: np.ndarray, rows: dict) -> list[tuple[int, float]]:
    """The (record, share) pairs of the move behind publication ``rid``: its contributors; for a
    trace without them its cause, share 1; a record that is no publication is its own move."""
    if rid in rows:
        return rows[rid]
    if rid >= 0 and kind[rid] in AGGREGATES:
        rid = int(cause[rid])
    return [(rid, 1.0)] if rid >= 0 else []


def generations(table: TraceTable, share: float = WAVE_SHARE, step: float = WAVE_STEP) -> np.ndarray:
    """Per record, its wave (0 for records that descend from no liquidation)."""
    return cascade(table, share, step).wave


def cascade_direction(table: TraceTable) -> int:
    """+1 when the ignition buys (a squeeze), -1 when it sells (a crash); +1 without ignition."""
    ignite = table.kind == Kind.IGNITE
    return (
        -1
        if ignite.any()
        and table.notional[ignite & (table.side == -1)].sum() > table.notional[ignite & (table.side == 1)].sum()
        else 1
    )


def channel_masks(table: TraceTable, c: Cascade) -> dict[str, np.ndarray]:
    """Per channel, the records whose notional is its forced flow in the cascade's direction:
    book trades for perp_book, spot_hedges and unwinds; off-book records for off_book."""
    d = cascade_direction(table)
    trades = c.forced & (table.side == d) & (table.kind == Kind.TRADE)
    masks = {name: trades & (c.channel == name) for name in ("perp_book", "spot_hedges", "unwinds")}
    masks["off_book"] = np.logical_or.reduce(
        [(table.kind == k) & (table.side == sign * d) for k, sign in OFF_BOOK.items()]
    )
    return masks


def channels(table: TraceTable, masks: dict[str, np.ndarray], within: np.ndarray | None = None) -> Channels:
    """The forced flow of the ``masks`` channels (restricted to ``within``), in quote currency."""
    notional = np.nan_to_num(table.notional)
    return Channels(**{name: float(notional[m if within is None else m & within].sum()) for name, m in masks.items()})


def forced_move_share(table: TraceTable, c: Cascade) -> float | None:
    """The share of the index's moves the cascade's way, from the ignition to the last
    liquidation, that its publications credit to forced flow: Σ ΔI·(forced share) ÷ Σ ΔI over
    the index records in that span whose move ΔI (from the previous publication of the same
    index, signed the cascade's way) is positive; None if there is none, or no ignition or
    liquidation."""
    ignite, liq = table.kind == Kind.IGNITE, table.kind == Kind.LIQUIDATION
    if not ignite.any() or not liq.any():
        return None
    d = cascade_direction(table)
    start, end = float(table.t[ignite].min()), float(table.t[liq].max())
    rows = _rows(table)
    moved = forced_part = 0.0
    for node in dict.fromkeys(table.node[table.kind == Kind.INDEX].tolist()):
        ids = np.flatnonzero((table.kind == Kind.INDEX) & (table.node == node))
        for prev, rid in zip(ids[:-1].tolist(), ids[1:].tolist(), strict=True):
            if not start < table.t[rid] <= end:
                continue
            step = d * float(table.price[rid] - table.price[prev])
            if step <= 0:
                continue
            pairs = rows.get(rid, [(int(table.cause[rid]), 1.0)])
            moved += step
            forced_part += step * sum(s for r, s in pairs if r >= 0 and c.forced[r])
    return forced_part / moved if moved > 0 else None


def waves(table: TraceTable, share: float = WAVE_SHARE, step: float = WAVE_STEP) -> list[Wave]:
    """The liquidation waves in time order, with the forced flow each caused."""
    c = cascade(table, share, step)
    liq = table.kind == Kind.LIQUIDATION
    masks = channel_masks(table, c)
    ignition = float(table.notional[table.kind == Kind.IGNITE].sum())
    firsts = {w: trigger for trigger, w in reversed(c.batch_wave.items())}
    rows = []
    for w in range(1, int(c.wave[liq].max(initial=0)) + 1):
        m = liq & (c.wave == w)
        ids = np.flatnonzero(m)
        flow = channels(table, masks, c.wave == w)
        rows.append(
            Wave(
                wave=w,
                start_s=float(table.t[m].min()),
                end_s=float(table.t[m].max()),
                first_id=int(ids[0]),
                last_id=int(ids[-1]),
                count=int(m.sum()),
                batches=sum(1 for v in c.batch_wave.values() if v == w),
                notional=float(table.notional[m].sum()),
                max_mark=float(table.price[m].max()),
                forced_share=c.batch_share[firsts[w]],
                forced=flow,
                amplification=flow.total / ignition if ignition else None,
            )
        )
    return rows
