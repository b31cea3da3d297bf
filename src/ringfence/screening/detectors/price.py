"""Price far below the official list price floor of the same product category."""

from __future__ import annotations

RATIO = 1 / 3  # below a third of the floor is "far below"


class PriceCheck:
    name = "price"
    inputs = ("price", "currency", "category")

    def __init__(self, floors: dict[str, tuple[str, int]], fx: dict[str, float]) -> None:
        self._floors = floors
        self._fx = fx

    def floor_for(self, category: str | None) -> tuple[str, int] | None:
        node = category
        while node:
            if node in self._floors:
                return self._floors[node]
            node = node.rpartition(".")[0]
        return None

    def usd(self, price: float, currency: str) -> float | None:
        """The price in US dollars at the index's rates; None for an unknown currency."""
        rate = self._fx.get(currency)
        return price / rate if rate else None

    def too_low(self, price: float, currency: str, category: str | None) -> float | None:
        """The ratio price/floor when it is below RATIO, else None (also when unknown)."""
        floor = self.floor_for(category)
        if floor is None or currency not in self._fx or floor[0] not in self._fx:
            return None
        price_usd = price / self._fx[currency]
        floor_usd = floor[1] / 100 / self._fx[floor[0]]
        ratio = price_usd / floor_usd
        return ratio if ratio < RATIO else None
