"""When a failed delivery is tried again, and what an answer means (pure: values in, values out).

The default schedule is Standard Webhooks': immediately, then 5 s, 5 min, 30 min, 2 h, 5 h,
10 h and 10 h after each failure (eight attempts over about 27 hours), each wait varied by a
random jitter so that many endpoints failing together do not come back in lockstep.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from backbeat.config import Settings


class Verdict(StrEnum):
    """What one attempt's answer means for the delivery."""

    DELIVERED = "delivered"
    GONE = "gone"
    RETRY = "retry"


def verdict(status_code: int | None) -> Verdict:
    """2xx delivered; 410 Gone disables the endpoint; anything else (or no answer) retries."""
    if status_code is not None and 200 <= status_code < 300:
        return Verdict.DELIVERED
    if status_code == 410:
        return Verdict.GONE
    return Verdict.RETRY


@dataclass(frozen=True)
class RetryPolicy:
    """Waits after the 1st, 2nd, … failed attempt; none left: the delivery has failed."""

    waits_seconds: tuple[float, ...]
    jitter: float = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(tuple(settings.webhook_retry_schedule_seconds), settings.webhook_retry_jitter)

    @property
    def max_attempts(self) -> int:
        return len(self.waits_seconds) + 1

    def wait_after(self, attempts: int, rng: random.Random) -> float | None:
        """Seconds until the next attempt after `attempts` attempts failed; None: give up."""
        if attempts < 1 or attempts > len(self.waits_seconds):
            return None
        base = self.waits_seconds[attempts - 1]
        return base * (1 + rng.uniform(-self.jitter, self.jitter)) if self.jitter else base
