"""Accuracy with a 95% Wilson score interval."""

from __future__ import annotations

import math

from pydantic import BaseModel

Z_95 = 1.959963984540054  # two-sided 95% normal quantile


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion; ``(0.0, 1.0)`` when ``n == 0``."""
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


class Proportion(BaseModel):
    """``k`` of ``n`` with its 95% Wilson interval."""

    k: int
    n: int
    low: float
    high: float

    @classmethod
    def of(cls, k: int, n: int) -> Proportion:
        low, high = wilson_interval(k, n)
        return cls(k=k, n=n, low=low, high=high)

    @property
    def value(self) -> float:
        return self.k / self.n if self.n else 0.0

    def percent(self) -> str:
        """``"42.5 (35.1–50.2)"`` in percent, or ``"–"`` when empty."""
        if not self.n:
            return "–"
        return f"{100 * self.value:.1f} ({100 * self.low:.1f}–{100 * self.high:.1f})"
