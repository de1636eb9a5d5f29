"""Double-entry cash and token balances of every account in a world.

Money only moves by ``transfer`` between two accounts, so the total of each asset over all
accounts never changes after the initial endowments (``endow``), which are recorded as the
world's exogenous inflow; the ``conservation`` invariant (sim/engine/invariants.py) checks it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.market.assets import ASSET, QUOTE


@dataclass(frozen=True)
class Balance:
    quote: float
    asset: float


class Ledger:
    """Balances per account and asset; accounts are ints, created by name."""

    def __init__(self, quote: str = "USDT", asset: str = "RKT") -> None:
        self.asset_names = (quote, asset)
        self.names: list[str] = []
        self._ids: dict[str, int] = {}
        self.balances: tuple[list[float], list[float]] = ([], [])
        self.endowed = [0.0, 0.0]

    def account(self, name: str) -> int:
        """The id of account ``name``, opening it with zero balances on first use."""
        aid = self._ids.get(name)
        if aid is None:
            aid = self._ids[name] = len(self.names)
            self.names.append(name)
            self.balances[QUOTE].append(0.0)
            self.balances[ASSET].append(0.0)
        return aid

    def endow(self, account: int, asset: int, amount: float) -> None:
        """Initial balance from outside the world (counted as exogenous inflow)."""
        self.balances[asset][account] += amount
        self.endowed[asset] += amount

    def transfer(self, src: int, dst: int, asset: int, amount: float) -> None:
        """Move ``amount`` of ``asset`` from ``src`` to ``dst`` (a negative amount moves it back)."""
        bal = self.balances[asset]
        bal[src] -= amount
        bal[dst] += amount

    def swap(self, buyer: int, seller: int, qty: float, value: float) -> None:
        """A trade: ``buyer`` pays ``value`` of quote to ``seller`` for ``qty`` tokens (two transfers in one call)."""
        cash, tokens = self.balances
        cash[buyer] -= value
        cash[seller] += value
        tokens[seller] -= qty
        tokens[buyer] += qty

    def balance(self, account: int, asset: int) -> float:
        return self.balances[asset][account]

    def of(self, name: str) -> Balance:
        aid = self._ids[name]
        return Balance(self.balances[QUOTE][aid], self.balances[ASSET][aid])

    def total(self, asset: int) -> float:
        return sum(self.balances[asset])
