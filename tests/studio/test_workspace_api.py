"""Snapshots, files and bounces over HTTP."""

from __future__ import annotations

import hashlib
import uuid

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.studio.factories import User, add_member, new_project, new_user, patch


async def audio_object(
    session: AsyncSession, owner: User, *, bucket: str = "project-audio", stem: str | None = None
) -> uuid.UUID:
    """A stored, analysed audio object of `owner` (as media's pipeline leaves one)."""
    object_id, sha = uuid.uuid4(), hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    await session.execute(text("insert into media_blobs (sha256) values (:s)"), {"s": sha})
    await session.execute(
        text(
            "insert into media_objects "
            "(id, bucket, path, owner_id, size, sha256, cid, content_type) "
            "values (:id, :b, :p, :o, 1000, :s, 'bafy', 'audio/wav')"
        ),
        {"id": object_id, "b": bucket, "p": f"{owner.id}/{object_id}.wav", "o": owner.id, "s": sha},
    )
    await session.execute(
        text(
            "insert into media_audio_files (object_id, owner_id, duration_seconds, loudness_lufs, "
            "analysis_status, stem_type) values (:id, :o, 12.5, -9.5, 'complete', :stem)"
        ),
        {"id": object_id, "o": owner.id, "stem": stem},
    )
    return object_id


class TestSnapshots:
    async def test_milestone_pinned_to_a_version_with_bounce_analysis(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        owner = await new_user(client)
        project = await new_project(client, owner, bpm=140, key="Am")
        await patch(client, owner, project["id"], 1, [{"op": "add", "path": "/x", "value": 1}])
        mix = await audio_object(session, owner)
        created = await client.post(
            f"/v1/projects/{project['id']}/snapshots",
            json={
                "kind": "milestone",
                "name": "First mix",
                "version": 1,
                "audio_object_id": str(mix),
            },
            headers=owner.headers,
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert (body["version"], body["kind"]) == (1, "milestone")
        assert body["audio_analysis"]["loudness_lufs"] == -9.5
        assert body["musical_context"] == {"bpm": 140, "key": "Am", "time_signature": "4/4"}
        listed = await client.get(f"/v1/projects/{project['id']}/snapshots", headers=owner.headers)
        assert [s["name"] for s in listed.json()["items"]] == ["First mix"]

    async def test_a_viewer_cannot_snapshot(self, client: httpx.AsyncClient) -> None:
        owner, viewer = await new_user(client), await new_user(client)
        project = await new_project(client, owner)
        await add_member(client, owner, project["id"], viewer, "viewer")
        response = await client.post(
            f"/v1/projects/{project['id']}/snapshots", json={"name": "x"}, headers=viewer.headers
        )
        assert response.status_code == 403

    async def test_a_future_version_is_404(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        project = await new_project(client, owner)
        response = await client.post(
            f"/v1/projects/{project['id']}/snapshots",
            json={"name": "x", "version": 5},
            headers=owner.headers,
        )
        assert response.status_code == 404


class TestFiles:
    async def test_members_see_each_others_stems(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        owner, editor = await new_user(client), await new_user(client)
        project = await new_project(client, owner)
        await add_member(client, owner, project["id"], editor, "editor")
        stem = await audio_object(session, editor, stem="vocals")
        linked = await client.post(
            f"/v1/projects/{project['id']}/files",
            json={"object_id": str(stem)},
            headers=editor.headers,
        )
        assert linked.status_code == 201, linked.text
        listed = await client.get(f"/v1/projects/{project['id']}/files", headers=owner.headers)
        (only,) = listed.json()["items"]
        assert (only["object_id"], only["stem_type"], only["added_by"]) == (
            str(stem),
            "vocals",
            str(editor.id),
        )
        again = await client.post(
            f"/v1/projects/{project['id']}/files",
            json={"object_id": str(stem)},
            headers=editor.headers,
        )
        assert again.status_code == 409

    async def test_only_your_own_project_audio_links(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        owner, other = await new_user(client), await new_user(client)
        project = await new_project(client, owner)
        theirs = await audio_object(session, other)
        public = await audio_object(session, owner, bucket="ip-track-assets")
        for object_id in (theirs, public):
            response = await client.post(
                f"/v1/projects/{project['id']}/files",
                json={"object_id": str(object_id)},
                headers=owner.headers,
            )
            assert response.status_code == 422, response.text


class TestBounce:
    async def test_a_version_becomes_a_private_track_that_remembers_it(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        owner = await new_user(client)
        project = await new_project(client, owner, bpm=128, key="F#m")
        mix = await audio_object(session, owner)
        bounced = await client.post(
            f"/v1/projects/{project['id']}/versions/1/bounce",
            json={"title": "Night Drive", "artist": "Luna", "audio_object_id": str(mix)},
            headers=owner.headers,
        )
        assert bounced.status_code == 201, bounced.text
        track_id = bounced.json()["track_id"]
        track = (await client.get(f"/v1/tracks/{track_id}", headers=owner.headers)).json()
        assert (track["visibility"], track["bpm"], track["key"]) == ("private", 128, "F#m")
        origin = await session.execute(
            text("select project_id, version from studio_bounces where track_id = :t"),
            {"t": track_id},
        )
        assert origin.one() == (uuid.UUID(project["id"]), 1)
        snapshots = (
            await client.get(f"/v1/projects/{project['id']}/snapshots", headers=owner.headers)
        ).json()
        assert snapshots["items"][0]["name"] == "Bounce: Night Drive"

    async def test_only_the_owner_bounces(self, client: httpx.AsyncClient) -> None:
        owner, editor = await new_user(client), await new_user(client)
        project = await new_project(client, owner)
        await add_member(client, owner, project["id"], editor, "editor")
        response = await client.post(
            f"/v1/projects/{project['id']}/versions/1/bounce",
            json={"title": "x", "artist": "y"},
            headers=editor.headers,
        )
        assert response.status_code == 403
