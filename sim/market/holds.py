"""Funds held by resting limit orders, as exchanges lock them (Binance's account balances are
"free" and "locked"; MECHANICS.md has no formula for this, it is venue bookkeeping).

A resting bid holds the cash it would pay if it filled as a taker, ``price × qty × (1 + fee)``;
a resting ask holds its ``qty`` of tokens. What an account may commit to a new order is its
balance less its holds, so a later order cannot spend what a resting one may still need, and
no fill can take an account below zero. Holds are released as the order fills (by the filled
qty) or is cancelled (by what is left). Nothing moves between accounts: the ledger is untouched.
"""

from __future__ import annotations

from sim.market.sides import BUY


class Holds:
    """Cash and tokens held per account by its resting orders on one venue."""

    __slots__ = ("fee", "cash", "tokens")

    def __init__(self, fee: float) -> None:
        self.fee = fee
        self.cash: dict[int, float] = {}
        self.tokens: dict[int, float] = {}

    def hold(self, account: int, side: int, price: float, qty: float) -> None:
        """Hold what a resting order of ``side`` for ``qty`` at ``price`` may need."""
        if side == BUY:
            self.cash[account] = self.cash.get(account, 0.0) + price * qty * (1 + self.fee)
        else:
            self.tokens[account] = self.tokens.get(account, 0.0) + qty

    def release(self, account: int, side: int, price: float, qty: float) -> None:
        """Release the hold of ``qty`` of a resting order (filled or cancelled)."""
        held = self.cash if side == BUY else self.tokens
        left = held.get(account)
        if left is None:  # nothing held (e.g. the opening book's owner)
            return
        left -= price * qty * (1 + self.fee) if side == BUY else qty
        if left > 0:
            held[account] = left
        else:  # float residue of many holds and releases: none left
            del held[account]

    def clear(self, account: int) -> None:
        """Release every hold of ``account`` (all its resting orders were cancelled)."""
        self.cash.pop(account, None)
        self.tokens.pop(account, None)

    def free_cash(self, account: int, balance: float) -> float:
        """Cash ``account`` may commit: its balance less its holds, not below zero."""
        return max(0.0, balance - self.cash.get(account, 0.0))

    def free_tokens(self, account: int, balance: float) -> float:
        """Tokens ``account`` may commit: its balance less its holds, not below zero."""
        return max(0.0, balance - self.tokens.get(account, 0.0))
