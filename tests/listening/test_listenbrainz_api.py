"""The /1/ API over HTTP: tokens, errors in ListenBrainz's shape, rate-limit headers, reads."""

from __future__ import annotations

import json
import time

import httpx

from tests.catalog.factories import new_track, new_user
from tests.identity.factories import ClientFactory
from tests.listening.factories import document, lb_listen, new_pat, token


async def submit(client: httpx.AsyncClient, pat: str, body: object) -> httpx.Response:
    return await client.post("/1/submit-listens", content=json.dumps(body), headers=token(pat))


class TestSubmitListens:
    async def test_single_listen_is_stored_and_matched_to_the_public_track(
        self, client: httpx.AsyncClient
    ) -> None:
        artist = await new_user(client)
        track = await new_track(client, artist, title="Night  Drive", artist="LUNA")
        listener = await new_user(client, "listener")
        pat = await new_pat(client, listener)
        response = await submit(client, pat, document("single", lb_listen("night drive", "Luna")))
        assert response.status_code == 200, response.text
        assert response.json() == {"status": "ok"}
        mine = await client.get("/v1/me/listens", headers=listener.headers)
        (item,) = mine.json()["items"]
        assert item["track_id"] == track["id"]
        assert item["platform"] == "listenbrainz"

    async def test_the_same_listen_twice_is_stored_once(self, client: httpx.AsyncClient) -> None:
        listener = await new_user(client, "listener")
        pat = await new_pat(client, listener)
        listen = lb_listen(at=int(time.time()) - 100)
        for _ in range(2):
            assert (
                await submit(client, pat, document("import", listen, listen))
            ).status_code == 200
        count = await client.get(f"/1/user/{listener.username}/listen-count", headers=token(pat))
        assert count.json() == {"payload": {"count": 1}}

    async def test_errors_are_listenbrainz_bodies(self, client: httpx.AsyncClient) -> None:
        listener = await new_user(client, "listener")
        pat = await new_pat(client, listener)
        bad = await submit(client, pat, document("single", lb_listen(track="")))
        assert bad.status_code == 400
        assert bad.json() == {"code": 400, "error": "field track_metadata.track_name is empty."}
        broken = await client.post("/1/submit-listens", content=b"{", headers=token(pat))
        assert broken.json()["error"].startswith("Cannot parse JSON document: ")

    async def test_a_nul_is_refused_with_listenbrainz_message_even_as_json(
        self, client: httpx.AsyncClient
    ) -> None:
        listener = await new_user(client, "listener")
        pat = await new_pat(client, listener)
        body = json.dumps(document("single", lb_listen(track="a\x00b")))
        headers = {**token(pat), "Content-Type": "application/json"}
        response = await client.post("/1/submit-listens", content=body, headers=headers)
        assert response.status_code == 400
        assert response.json() == {"code": 400, "error": "a\x00b contains a unicode null"}

    async def test_authorization_is_required_and_checked(self, client: httpx.AsyncClient) -> None:
        body = json.dumps(document("single", lb_listen()))
        missing = await client.post("/1/submit-listens", content=body)
        assert missing.json() == {
            "code": 401,
            "error": "You need to provide an Authorization header.",
        }
        wrong = await client.post("/1/submit-listens", content=body, headers=token("bbp_nope"))
        assert wrong.json() == {"code": 401, "error": "Invalid authorization token."}

    async def test_a_token_without_listens_write_cannot_submit(
        self, client: httpx.AsyncClient
    ) -> None:
        listener = await new_user(client, "listener")
        pat = await new_pat(client, listener, ["read"])
        response = await submit(client, pat, document("single", lb_listen()))
        assert response.json() == {"code": 401, "error": "Insufficient scope."}


class TestRateLimits:
    async def test_headers_and_429_as_listenbrainz_sends_them(
        self, client_with: ClientFactory
    ) -> None:
        async with client_with(listenbrainz_rate_limit_per_ip=2) as limited:
            first = await limited.get("/1/validate-token")
            assert first.headers["X-RateLimit-Limit"] == "2"
            assert first.headers["X-RateLimit-Remaining"] == "1"
            reset_in = int(first.headers["X-RateLimit-Reset-In"])
            assert 0 < reset_in <= 10
            assert int(first.headers["X-RateLimit-Reset"]) - reset_in <= time.time() + 1
            await limited.get("/1/validate-token")
            over = await limited.get("/1/validate-token")
            assert over.status_code == 429
            assert over.json()["code"] == 429
            assert over.json()["error"].startswith("You have exceeded your rate limit.")
            assert over.headers["X-RateLimit-Remaining"] == "0"


class TestReads:
    async def test_validate_token(self, client: httpx.AsyncClient) -> None:
        listener = await new_user(client, "listener")
        pat = await new_pat(client, listener)
        valid = await client.get("/1/validate-token", headers=token(pat))
        assert valid.json() == {
            "code": 200,
            "message": "Token valid.",
            "valid": True,
            "user_name": listener.username,
        }
        invalid = await client.get("/1/validate-token", headers=token("bbp_nope"))
        assert invalid.json() == {"code": 200, "message": "Token invalid.", "valid": False}
        none = await client.get("/1/validate-token")
        assert none.json() == {"code": 400, "error": "You need to provide an Authorization token."}

    async def test_listens_newest_first_between_exclusive_bounds(
        self, client: httpx.AsyncClient
    ) -> None:
        listener = await new_user(client, "listener")
        pat = await new_pat(client, listener)
        now = int(time.time())
        listens = [lb_listen(f"t{i}", at=now - 1000 + i) for i in range(5)]
        assert (await submit(client, pat, document("import", *listens))).status_code == 200
        url = f"/1/user/{listener.username}/listens"
        page = (await client.get(url, params={"count": 2}, headers=token(pat))).json()["payload"]
        assert [x["track_metadata"]["track_name"] for x in page["listens"]] == ["t4", "t3"]
        assert page["latest_listen_ts"] == now - 996 and page["oldest_listen_ts"] == now - 1000
        after = await client.get(url, params={"min_ts": now - 1000, "count": 2}, headers=token(pat))
        names = [x["track_metadata"]["track_name"] for x in after.json()["payload"]["listens"]]
        assert names == ["t2", "t1"]

    async def test_another_users_listens_are_private_and_unknown_users_404(
        self, client: httpx.AsyncClient
    ) -> None:
        owner = await new_user(client, "listener")
        other = await new_user(client, "listener")
        pat = await new_pat(client, other)
        theirs = await client.get(f"/1/user/{owner.username}/listens", headers=token(pat))
        assert theirs.status_code == 403
        nobody = await client.get("/1/user/no_such_user/listens", headers=token(pat))
        assert nobody.json() == {"code": 404, "error": "Cannot find user: no_such_user"}

    async def test_playing_now_is_kept_not_stored(self, client: httpx.AsyncClient) -> None:
        listener = await new_user(client, "listener")
        pat = await new_pat(client, listener)
        playing = {"track_metadata": {"artist_name": "Luna", "track_name": "Now"}}
        assert (await submit(client, pat, document("playing_now", playing))).status_code == 200
        now = await client.get(f"/1/user/{listener.username}/playing-now", headers=token(pat))
        payload = now.json()["payload"]
        assert payload["count"] == 1 and payload["playing_now"] is True
        assert payload["listens"][0]["track_metadata"]["track_name"] == "Now"
        count = await client.get(f"/1/user/{listener.username}/listen-count", headers=token(pat))
        assert count.json()["payload"]["count"] == 0

    async def test_delete_listen_by_instant_and_msid(self, client: httpx.AsyncClient) -> None:
        listener = await new_user(client, "listener")
        pat = await new_pat(client, listener)
        await submit(client, pat, document("single", lb_listen(at=1_700_000_000)))
        url = f"/1/user/{listener.username}/listens"
        (stored,) = (await client.get(url, headers=token(pat))).json()["payload"]["listens"]
        body = {"listened_at": 1_700_000_000, "recording_msid": stored["recording_msid"]}
        deleted = await client.post(
            "/1/delete-listen", content=json.dumps(body), headers=token(pat)
        )
        assert deleted.json() == {"status": "ok"}
        assert (await client.get(url, headers=token(pat))).json()["payload"]["count"] == 0
        bad = await client.post(
            "/1/delete-listen", content=json.dumps({"listened_at": 1}), headers=token(pat)
        )
        assert bad.json() == {"code": 400, "error": "Recording MSID missing."}


class TestNativeListens:
    async def test_batch_pages_and_delete(self, client: httpx.AsyncClient) -> None:
        listener = await new_user(client, "listener")
        body = {
            "listens": [
                {
                    "listened_at": f"2026-01-0{n + 1}T10:00:00+14:30",
                    "artist_name": "Luna",
                    "track_name": f"t{n}",
                    "ms_played": 1000 * n,
                    "skipped": n == 0,
                }
                for n in range(3)
            ]
        }
        posted = await client.post("/v1/listens", json=body, headers=listener.headers)
        assert posted.status_code == 201, posted.text
        assert posted.json()["accepted"] == 3
        again = await client.post("/v1/listens", json=body, headers=listener.headers)
        assert (again.json()["accepted"], again.json()["duplicates"]) == (0, 3)
        first = (await client.get("/v1/me/listens?limit=2", headers=listener.headers)).json()
        assert [x["track_name"] for x in first["items"]] == ["t2", "t1"]
        assert first["items"][0]["listened_at"].startswith("2026-01-02T19:30:00")
        rest = await client.get(
            "/v1/me/listens", params={"cursor": first["next_cursor"]}, headers=listener.headers
        )
        (last,) = rest.json()["items"]
        assert last["skipped"] is True and rest.json()["next_cursor"] is None
        gone = await client.delete(f"/v1/me/listens/{last['id']}", headers=listener.headers)
        assert gone.status_code == 204
        again_gone = await client.delete(f"/v1/me/listens/{last['id']}", headers=listener.headers)
        assert again_gone.status_code == 404

    async def test_bad_times_and_cursors_are_422(self, client: httpx.AsyncClient) -> None:
        listener = await new_user(client, "listener")
        old = {"listened_at": "2001-01-01T00:00:00Z", "artist_name": "a", "track_name": "b"}
        assert (
            await client.post("/v1/listens", json=old, headers=listener.headers)
        ).status_code == 422
        cursor = await client.get("/v1/me/listens?cursor=bm9wZQ", headers=listener.headers)
        assert cursor.status_code == 422
        far = {"since": "7732-06-13T21:33:21-16:22"}  # an offset PostgreSQL would refuse
        got = await client.get("/v1/me/listens", params=far, headers=listener.headers)
        assert got.status_code == 200 and got.json()["items"] == []


class TestMatching:
    async def test_by_id_isrc_or_normalised_name_of_public_tracks_only(
        self, client: httpx.AsyncClient
    ) -> None:
        artist = await new_user(client)
        named = await new_track(client, artist, title="Deep\tBlue  Sea", artist=" Luna ")
        coded = await new_track(client, artist, title="Coded", isrc="GBAYE0601498")
        await new_track(client, artist, title="Secret", visibility="private")
        listener = await new_user(client, "listener")
        pat = await new_pat(client, listener)
        now = int(time.time())
        listens = [
            lb_listen("deep blue sea", "LUNA", at=now - 10),
            lb_listen("Whatever", "Someone", at=now - 20, isrc="GBAYE0601498"),
            lb_listen("Secret", "Luna", at=now - 30),
            lb_listen("Renamed", "x", at=now - 40, backbeat_track_id=named["id"]),
        ]
        assert (await submit(client, pat, document("import", *listens))).status_code == 200
        items = (await client.get("/v1/me/listens", headers=listener.headers)).json()["items"]
        assert [i["track_id"] for i in items] == [named["id"], coded["id"], None, named["id"]]
        assert items[2]["track_name"] == "Secret"  # the text is kept either way
