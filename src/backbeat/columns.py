"""Column helpers every domain's models share, so a table reads the same in every domain."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, func
from sqlalchemy.orm import mapped_column


def now_column() -> Any:
    """A timestamp the database fills in when the row is written."""
    return mapped_column(server_default=func.now(), nullable=False)


def one_of(column: str, values: tuple[str, ...]) -> str:
    """The SQL of a check that `column` holds one of `values` (the vocabulary in Python)."""
    return f"{column} in ({', '.join(repr(v) for v in values)})"


def user_ref(**kwargs: Any) -> Any:
    """A user's id; the row goes when the user's account is deleted."""
    return mapped_column(ForeignKey("identity_users.id", ondelete="CASCADE"), **kwargs)


def track_ref(**kwargs: Any) -> Any:
    """A track's id; the row goes when the track is deleted."""
    return mapped_column(ForeignKey("catalog_tracks.id", ondelete="CASCADE"), **kwargs)
