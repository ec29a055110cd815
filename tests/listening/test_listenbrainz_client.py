"""A real ListenBrainz client library (liblistenbrainz, GPL: a test-only dependency) submits
and reads listens against Backbeat served by uvicorn, changing only its base URL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import liblistenbrainz
import pytest
from liblistenbrainz.errors import ListenBrainzAPIException

from backbeat.app import create_app
from backbeat.embedded import DatabaseUrls
from tests.conftest import settings_for_tests
from tests.servers import serving


@pytest.fixture
def base_url(committed_urls: DatabaseUrls, tmp_path: Path) -> Iterator[str]:
    settings = settings_for_tests(
        database_url=committed_urls.owner, api_database_url=committed_urls.api, data_dir=tmp_path
    )
    with serving(create_app(settings)) as address:
        yield f"http://{address}"


def personal_token(base_url: str) -> tuple[str, str]:
    """A user and a `listens:write` token, made through the API."""
    body = {"email": "scrobbler@example.com", "username": "scrobbler", "password": "Scr0bble-long!"}
    signed = httpx.post(f"{base_url}/v1/auth/signup", json=body, timeout=30)
    assert signed.status_code == 201, signed.text
    bearer = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    made = httpx.post(
        f"{base_url}/v1/me/tokens",
        json={"name": "lb", "scopes": ["listens:write"]},
        headers=bearer,
        timeout=30,
    )
    assert made.status_code == 201, made.text
    return "scrobbler", str(made.json()["token"])


def test_liblistenbrainz_submits_reads_and_deletes(base_url: str) -> None:
    username, pat = personal_token(base_url)
    client = liblistenbrainz.ListenBrainz(api_base_url=base_url)
    client.set_auth_token(pat)  # checks the token through /1/validate-token
    now = int(time.time())
    first = liblistenbrainz.Listen(
        track_name="Night Drive", artist_name="Luna", listened_at=now - 300, release_name="Roads"
    )
    second = liblistenbrainz.Listen(
        track_name="Dawn", artist_name="Luna", listened_at=now - 100, isrc="GBAYE0601498"
    )
    assert client.submit_single_listen(first) == {"status": "ok"}
    client.submit_multiple_listens([second, first])
    client.submit_playing_now(liblistenbrainz.Listen(track_name="Now", artist_name="Luna"))

    listens = client.get_listens(username)
    assert [(x.track_name, x.listened_at) for x in listens] == [
        ("Dawn", now - 100),
        ("Night Drive", now - 300),
    ]
    assert listens[1].release_name == "Roads" and listens[0].isrc == "GBAYE0601498"
    assert client.get_user_listen_count(username) == 2
    playing = client.get_playing_now(username)
    assert playing is not None and playing.track_name == "Now"
    assert client.remaining_requests is not None and client.ratelimit_reset_in is not None

    client.delete_listen(listens[0])
    assert [x.track_name for x in client.get_listens(username)] == ["Night Drive"]


def test_liblistenbrainz_sees_listenbrainz_errors(base_url: str) -> None:
    _, pat = personal_token(base_url)
    client = liblistenbrainz.ListenBrainz(api_base_url=base_url)
    with pytest.raises(liblistenbrainz.errors.InvalidAuthTokenException):
        client.set_auth_token("bbp_not-a-token")
    client.set_auth_token(pat, check_validity=False)
    with pytest.raises(ListenBrainzAPIException) as refused:
        client.get_listens("nobody_here")
    assert refused.value.status_code == 404
    assert refused.value.message == "Cannot find user: nobody_here"
