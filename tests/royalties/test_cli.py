"""`backbeat royalties import FILE`: each event accepted, replayed or refused on its own."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner

from backbeat.cli import app
from backbeat.db import Database, session_scope
from tests.cli_env import env_for
from tests.royalties.factories import make_track, make_user

runner = CliRunner()


async def test_import_reports_every_event(committed_database: Database, tmp_path: Path) -> None:
    async with session_scope(committed_database) as session:
        track = await make_track(session, await make_user(session))
    good = {
        "idempotency_key": "a",
        "track_id": str(track.id),
        "source": "stream",
        "amount": "100",
        "asset": "USD",
        "occurred_at": "2026-02-01T12:00:00Z",
    }
    lines = [good, {**good, "idempotency_key": "b", "amount": "-5"}, good, {**good, "amount": "7"}]
    path = tmp_path / "revenue.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines))
    env = env_for(committed_database.urls)

    result = await asyncio.to_thread(
        runner.invoke, app, ["royalties", "import", str(path)], env=env
    )

    assert result.exit_code == 0, result.output
    assert "event 2: invalid_revenue" in result.output
    assert "event 4: idempotency_conflict" in result.output
    assert "1 accepted, 1 duplicate, 2 rejected" in result.output
