"""Exponential backoff with full jitter, for retrying a server that is down or busy."""

from __future__ import annotations

import random

__all__ = ["Backoff"]


class Backoff:
    """Delay before the next attempt: uniform in [0, min(cap, base × 2^failures)].

    Full jitter spreads the retries of many devices coming back online at once; a
    server's ``Retry-After`` is a floor under the drawn delay.
    """

    def __init__(
        self, base: float = 1.0, cap: float = 300.0, rng: random.Random | None = None
    ) -> None:
        self.base = base
        self.cap = cap
        self.failures = 0
        self._rng = rng or random.Random()

    def next_delay(self, retry_after: float | None = None) -> float:
        """Count a failure and draw the seconds to wait before trying again."""
        ceiling = min(self.cap, self.base * 2.0 ** min(self.failures, 64))
        self.failures += 1
        drawn = self._rng.uniform(0.0, ceiling)
        return max(drawn, retry_after) if retry_after is not None else drawn

    def reset(self) -> None:
        self.failures = 0
