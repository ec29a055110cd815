"""Key derivation and rotation, rate-limit header arithmetic, and time-ordered ids (pure)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backbeat.config import Settings
from backbeat.identity.keys import IdentityKeys
from backbeat.identity.models import uuid7
from backbeat.identity.service.ratelimits import Limit, Usage, _window

OLD, NEW = "o" * 40, "n" * 40


def keys(current: str, *previous: str) -> IdentityKeys:
    settings = Settings(secret_key=current, previous_secret_keys=list(previous))
    return IdentityKeys.from_settings(settings)


class TestIdentityKeys:
    def test_purposes_get_different_keys(self) -> None:
        ring = keys(NEW)
        sealed = ring.totp_box.seal(b"x", associated_data=b"a")
        with pytest.raises(ValueError):
            ring.oauth_box.open(sealed, associated_data=b"a")

    def test_rotation_keeps_old_tokens_and_secrets_readable(self) -> None:
        old, rotated = keys(OLD), keys(NEW, OLD)
        sealed = old.oauth_box.seal(b"token", associated_data=b"row")
        assert rotated.oauth_box.open(sealed, associated_data=b"row") == b"token"
        assert rotated.keyring.signing_kid != old.keyring.signing_kid
        assert rotated.keyring.secret(old.keyring.signing_kid)

    def test_kid_does_not_reveal_the_secret(self) -> None:
        ring = keys(NEW)
        assert NEW not in ring.keyring.signing_kid
        assert ring.keyring.secret(ring.keyring.signing_kid) != NEW.encode()


@pytest.mark.parametrize(
    ("hits", "remaining", "exceeded", "retry_after"),
    [(1, 2, False, None), (3, 0, False, None), (4, 0, True, "17")],
)
def test_usage_headers(hits: int, remaining: int, exceeded: bool, retry_after: str | None) -> None:
    usage = Usage(Limit(3, 60), hits, 17)
    headers = usage.headers()
    assert usage.remaining == remaining and usage.exceeded is exceeded
    assert headers["RateLimit-Limit"] == "3" and headers["RateLimit-Reset"] == "17"
    assert headers["RateLimit-Policy"] == "3;w=60"
    assert headers.get("Retry-After") == retry_after


@given(st.floats(min_value=0, max_value=4e9, allow_nan=False), st.integers(1, 3600))
def test_window_starts_on_a_multiple_and_resets_within_it(now: float, window: int) -> None:
    start, reset = _window(Limit(1, window), now)
    assert start % window == 0 and start <= now < start + window
    assert 1 <= reset <= window


def test_uuid7_is_version_7_and_time_ordered() -> None:
    ids = [uuid7() for _ in range(200)]
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)
    stamps = [i.int >> 80 for i in ids]
    assert stamps == sorted(stamps)
