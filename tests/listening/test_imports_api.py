"""Imports through the API (a job) and the CLI: counts, refusals, re-imports add nothing."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from typer.testing import CliRunner

from backbeat.cli import app
from backbeat.db import Database
from backbeat.embedded import DatabaseUrls
from backbeat.listening import service as listening
from tests.catalog.factories import User, new_user
from tests.cli_env import env_for
from tests.conftest import rollback_database
from tests.listening.factories import spotify_export

runner = CliRunner()


async def upload(client: httpx.AsyncClient, user: User, body: bytes, fmt: str) -> httpx.Response:
    files = {"file": ("Streaming_History_Audio_2024.json", body, "application/json")}
    return await client.post(
        "/v1/me/imports", files=files, data={"format": fmt}, headers=user.headers
    )


class TestImportApi:
    async def test_upload_queues_a_job_that_imports_and_reports(
        self,
        client: httpx.AsyncClient,
        database: Database,
        connection: AsyncConnection,
        session: AsyncSession,
    ) -> None:
        user = await new_user(client, "listener")
        queued = await upload(client, user, json.dumps(spotify_export()).encode(), "spotify")
        assert queued.status_code == 202, queued.text
        assert queued.json()["status"] == "queued"
        import_id = queued.json()["id"]
        job = await session.scalar(
            text(
                "select args ->> 'import_id' from procrastinate_jobs "
                "where task_name = 'backbeat:listening.import' order by id desc limit 1"
            )
        )
        assert job == import_id
        status = await listening.run_import(rollback_database(database, connection), job)
        assert status == "done"
        report = (await client.get(f"/v1/me/imports/{import_id}", headers=user.headers)).json()
        assert (report["rows_read"], report["imported"], report["refused"]) == (6, 2, 1)
        assert report["skipped"] == {"podcast": 1, "incognito": 1, "short_play": 1}
        assert report["refusals"][0]["location"] == "Streaming_History_Audio_2024.json#6"
        listens = (await client.get("/v1/me/listens", headers=user.headers)).json()["items"]
        assert [x["track_name"] for x in listens] == ["Two", "One"]

    async def test_reimporting_the_same_file_adds_nothing(
        self, client: httpx.AsyncClient, database: Database, connection: AsyncConnection
    ) -> None:
        user = await new_user(client, "listener")
        body = json.dumps(spotify_export()).encode()
        for expected in (2, 0):
            queued = (await upload(client, user, body, "spotify")).json()
            await listening.run_import(rollback_database(database, connection), queued["id"])
            got = await client.get(f"/v1/me/imports/{queued['id']}", headers=user.headers)
            assert got.json()["imported"] == expected
        listed = (await client.get("/v1/me/imports", headers=user.headers)).json()["items"]
        assert [i["duplicates"] for i in listed] == [2, 0]

    async def test_a_broken_file_fails_and_says_why(
        self, client: httpx.AsyncClient, database: Database, connection: AsyncConnection
    ) -> None:
        user = await new_user(client, "listener")
        queued = (await upload(client, user, b"PK\x03\x04broken", "listenbrainz")).json()
        await listening.run_import(rollback_database(database, connection), queued["id"])
        report = (await client.get(f"/v1/me/imports/{queued['id']}", headers=user.headers)).json()
        assert report["status"] == "failed" and "not a readable zip" in report["error"]

    async def test_someone_elses_import_is_not_found(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client, "listener")
        other = await new_user(client, "listener")
        queued = (await upload(client, owner, b"[]", "spotify")).json()
        seen = await client.get(f"/v1/me/imports/{queued['id']}", headers=other.headers)
        assert seen.status_code == 404
        bad = await client.post(
            "/v1/me/imports",
            files={"file": ("x", b"[]")},
            data={"format": "x"},
            headers=owner.headers,
        )
        assert bad.status_code == 422


def test_cli_import_with_progress_and_idempotent_rerun(
    committed_urls: DatabaseUrls, tmp_path: Path
) -> None:
    env = env_for(committed_urls)
    assert runner.invoke(app, ["demo", "load"], env=env).exit_code == 0
    export = tmp_path / "Streaming_History_Audio_2024.json"
    export.write_text(json.dumps(spotify_export()))
    command = ["import", "listens", str(export), "--user", "luna_vega", "--format", "spotify"]
    first = runner.invoke(app, command, env=env)
    assert first.exit_code == 0, first.output
    assert "6 rows read, 2 listens imported, 0 duplicates, 1 refused" in first.output
    assert "refused Streaming_History_Audio_2024.json#6" in first.output
    again = runner.invoke(app, command, env=env)
    assert "0 listens imported, 2 duplicates" in again.output
    unknown = runner.invoke(app, [*command[:3], "--user", "nobody", "--format", "spotify"], env=env)
    assert unknown.exit_code != 0
