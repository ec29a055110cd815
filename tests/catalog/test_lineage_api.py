"""Lineage edges: shares, cycles (409 with the path), stems, and trees in one call."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from sqlalchemy import text

from backbeat.db import Database
from tests.catalog.factories import User, new_track, new_user


async def link(
    client: httpx.AsyncClient, user: User, child: str, parent: str, **body: object
) -> httpx.Response:
    return await client.post(
        f"/v1/tracks/{child}/parents", json={"parent_id": parent, **body}, headers=user.headers
    )


class TestAddParent:
    async def test_cycle_is_409_naming_the_path(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        a, b, c = [(await new_track(client, alice, title=t))["id"] for t in "abc"]
        assert (await link(client, alice, b, a)).status_code == 201
        assert (await link(client, alice, c, b)).status_code == 201
        response = await link(client, alice, a, c)
        assert response.status_code == 409
        assert response.json()["code"] == "lineage_cycle"
        assert response.json()["path"] == [a, c, b, a]

    async def test_self_parent_is_a_cycle(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        a = (await new_track(client, alice))["id"]
        response = await link(client, alice, a, a)
        assert response.status_code == 409 and response.json()["path"] == [a, a]

    async def test_parent_shares_stay_within_100(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        child = (await new_track(client, alice))["id"]
        parents = [(await new_track(client, alice, title=f"p{i}"))["id"] for i in range(3)]
        assert (await link(client, alice, child, parents[0], share="60")).status_code == 201
        assert (await link(client, alice, child, parents[1], share="40")).status_code == 201
        over = await link(client, alice, child, parents[2], share="0.0001")
        assert over.status_code == 422 and "100.0001" in over.json()["detail"]

    async def test_duplicate_edge_and_stem_share(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        parent = (await new_track(client, alice))["id"]
        stem = (
            await new_track(client, alice, title="Vox", sample_type="stem", stem_type="vocals")
        )["id"]
        assert (
            await link(client, alice, stem, parent, kind="stem_of", share="10")
        ).status_code == 422
        made = await link(client, alice, stem, parent, kind="stem_of")
        assert made.status_code == 201 and made.json()["share"] is None
        assert (await link(client, alice, stem, parent, kind="stem_of")).status_code == 409
        found = await client.get(
            "/v1/tracks", params={"has_stems": "true", "creator": alice.username}
        )
        assert [t["id"] for t in found.json()["items"]] == [parent]

    async def test_license_without_derivatives_refuses_others(
        self, client: httpx.AsyncClient
    ) -> None:
        alice, bob = await new_user(client), await new_user(client)
        closed = (await new_track(client, alice, license={"derivatives": False}))["id"]
        remix = (await new_track(client, bob))["id"]
        assert (await link(client, bob, remix, closed)).status_code == 403

    async def test_remove_parent_is_audited(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        parent, child = [(await new_track(client, alice, title=t))["id"] for t in "pc"]
        await link(client, alice, child, parent)
        gone = await client.delete(f"/v1/tracks/{child}/parents/{parent}", headers=alice.headers)
        assert gone.status_code == 204
        again = await client.delete(f"/v1/tracks/{child}/parents/{parent}", headers=alice.headers)
        assert again.status_code == 404
        history = (await client.get(f"/v1/tracks/{child}/history")).json()
        assert [h["action"] for h in history][-2:] == ["lineage.add", "lineage.remove"]
        assert history[-1]["before"]["share"] == "20"


class TestLineageTree:
    async def test_ancestors_and_descendants_with_cumulative_shares(
        self, client: httpx.AsyncClient
    ) -> None:
        alice = await new_user(client)
        ids = [(await new_track(client, alice, title=f"g{i}"))["id"] for i in range(4)]
        for child, parent in zip(ids[1:], ids, strict=False):
            assert (await link(client, alice, child, parent, share="50")).status_code == 201
        up = (
            await client.get(f"/v1/tracks/{ids[3]}/lineage", params={"direction": "ancestors"})
        ).json()
        assert [(n["track_id"], n["depth"], n["cumulative_share"]) for n in up["nodes"]] == [
            (ids[2], 1, "50"),
            (ids[1], 2, "25"),
            (ids[0], 3, "12.5"),
        ]
        assert up["nodes"][2]["path"] == [ids[3], ids[2], ids[1], ids[0]]
        down = await client.get(
            f"/v1/tracks/{ids[0]}/lineage", params={"direction": "descendants", "depth": 2}
        )
        assert [n["track_id"] for n in down.json()["nodes"]] == [ids[1], ids[2]]

    async def test_shares_are_spelled_like_the_sheets_and_stems_carry_none(
        self, client: httpx.AsyncClient
    ) -> None:
        alice = await new_user(client)
        root, mid, tip = [(await new_track(client, alice, title=t))["id"] for t in "rmt"]
        assert (await link(client, alice, mid, root, share="33.3334")).status_code == 201
        assert (await link(client, alice, tip, mid, kind="stem_of")).status_code == 201
        up = (await client.get(f"/v1/tracks/{tip}/lineage")).json()
        assert up["track_id"] == tip and up["direction"] == "ancestors" and up["depth"] == 16
        assert [(n["kind"], n["share"], n["cumulative_share"]) for n in up["nodes"]] == [
            ("stem_of", None, "100"),
            ("remix", "33.3334", "33.3334"),
        ]
        assert up["nodes"][1]["via"] == mid and up["nodes"][1]["title"] == "r"

    async def test_a_track_without_edges_has_no_nodes(self, client: httpx.AsyncClient) -> None:
        alone = (await new_track(client, await new_user(client)))["id"]
        response = await client.get(f"/v1/tracks/{alone}/lineage")
        assert response.status_code == 200 and response.json()["nodes"] == []

    async def test_private_or_unknown_tracks_are_404(self, client: httpx.AsyncClient) -> None:
        hidden = (await new_track(client, await new_user(client), visibility="private"))["id"]
        for track in (hidden, str(uuid.uuid4())):
            assert (await client.get(f"/v1/tracks/{track}/lineage")).status_code == 404


class TestConcurrentCycle:
    async def test_two_concurrent_edges_cannot_close_a_loop(
        self, committed_database: Database
    ) -> None:
        """a→b and b→a inserted at once: the advisory lock makes the second one see the first."""
        user = uuid.uuid4()
        a, b = uuid.uuid4(), uuid.uuid4()
        async with committed_database.owner_sessions() as s, s.begin():
            await s.execute(
                text("insert into identity_users (id, username) values (:u, 'cyclist')"),
                {"u": user},
            )
            for t in (a, b):
                await s.execute(
                    text(
                        "insert into catalog_tracks (id, title, artist, sample_type, created_by) "
                        "values (:t, 't', 'a', 'beats', :u)"
                    ),
                    {"t": t, "u": user},
                )

        async def add(child: uuid.UUID, parent: uuid.UUID) -> bool:
            async with committed_database.owner_sessions() as s, s.begin():
                check = (
                    await s.execute(
                        text("select cycle from catalog_lineage_check(:c, :p)"),
                        {"c": child, "p": parent},
                    )
                ).one()
                if check.cycle is not None:
                    return False
                await asyncio.sleep(0.2)  # hold the lock while the other insert waits
                await s.execute(
                    text(
                        "insert into catalog_lineage_edges (child_id, parent_id, kind, share_ppm) "
                        "values (:c, :p, 'remix', 200000)"
                    ),
                    {"c": child, "p": parent},
                )
                return True

        results = await asyncio.gather(add(a, b), add(b, a))
        assert sorted(results) == [False, True]
