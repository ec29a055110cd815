"""The daily generation quota's calendar: one count per user per UTC day, so no job resets it."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta


def quota_day(now: datetime) -> date:
    """The UTC day a moment counts against."""
    return now.astimezone(UTC).date()


def resets_at(now: datetime) -> datetime:
    """The next UTC midnight: when a new day's count starts at zero."""
    return datetime.combine(quota_day(now) + timedelta(days=1), time(0), tzinfo=UTC)


def retry_after_seconds(now: datetime) -> int:
    """Whole seconds until the reset, at least 1 (the Retry-After header's value)."""
    return max(1, math.ceil((resets_at(now) - now).total_seconds()))


def remaining(used: int, limit: int | None) -> int | None:
    """What is left today; None when the plan is unlimited."""
    return None if limit is None else max(0, limit - used)
