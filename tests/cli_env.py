"""The environment a `backbeat` command needs to reach a test database."""

from __future__ import annotations

from backbeat.embedded import DatabaseUrls


def env_for(urls: DatabaseUrls, **extra: str) -> dict[str, str]:
    """BACKBEAT_* variables for the owner and API roles of `urls`, plus any `extra`."""
    return {"BACKBEAT_DATABASE_URL": urls.owner, "BACKBEAT_API_DATABASE_URL": urls.api, **extra}
