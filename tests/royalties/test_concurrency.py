"""Against committed databases: racing payout claims over real HTTP, and a killed distributor."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg

from backbeat.config import Settings
from backbeat.db import Database, session_scope
from backbeat.embedded import DatabaseUrls
from backbeat.royalties import tasks
from backbeat.royalties.verify import verify
from bench.support import api_server

SRC = str(Path(__file__).resolve().parents[2] / "src")


def seed(urls: DatabaseUrls, user_id: uuid.UUID | None, events: int, amount: int) -> uuid.UUID:
    """One track paying one user payee 100 %, and `events` accepted events on it."""
    with psycopg.connect(urls.owner) as conn:
        if user_id is None:
            user_id = uuid.uuid4()
            conn.execute(
                "insert into identity_users (id, username) values (%s, %s)",
                [user_id, f"u_{user_id.hex[:10]}"],
            )
        payee = conn.execute(
            "insert into catalog_payees (id, user_id) values (gen_random_uuid(), %s) returning id",
            [user_id],
        ).fetchone()
        track = conn.execute(
            "insert into catalog_tracks (id, title, artist, sample_type, created_by) "
            "values (gen_random_uuid(), 't', 'a', 'song', %s) returning id",
            [user_id],
        ).fetchone()
        assert payee and track
        for sheet in ("composition", "production"):
            version = conn.execute(
                "insert into catalog_split_versions (id, track_id, sheet, version, "
                "effective_from, status) values (gen_random_uuid(), %s, %s, 1, '2026-01-01', "
                "'active') returning id",
                [track[0], sheet],
            ).fetchone()
            assert version
            conn.execute(
                "insert into catalog_split_entries (version_id, position, payee_id, role, "
                "share_ppm) values (%s, 0, %s, 'other', 1000000)",
                [version[0], payee[0]],
            )
        conn.execute(
            "insert into royalties_revenue_events (id, submitted_by, idempotency_key, body_hash, "
            "track_id, source, amount, asset, occurred_at) select gen_random_uuid(), 'seed', "
            "'k' || n, '-', %s, 'stream', %s + n %% 7, 'USD', '2026-02-01' "
            "from generate_series(1, %s) n",
            [track[0], amount, events],
        )
    return user_id


async def test_racing_payout_claims_never_overdraw(committed_urls: DatabaseUrls) -> None:
    with api_server(committed_urls) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            signed = await client.post(
                "/v1/auth/signup",
                json={
                    "email": "racer@example.com",
                    "password": "correct horse battery staple",
                    "username": "racer",
                    "display_name": "Racer",
                },
            )
            assert signed.status_code == 201, signed.text
            user_id = uuid.UUID(signed.json()["user"]["id"])
            headers = {"Authorization": f"Bearer {signed.json()['access_token']}"}
            seed(committed_urls, user_id, events=10, amount=1000)  # 10 000 + the n % 7 extras
            database = Database.connect(committed_urls, pool_size=2)
            try:
                await tasks.distribute(database, Settings(royalty_minimum_payout={"USD": 1000}))
            finally:
                await database.dispose()
            claims = [
                client.post("/v1/payouts", json={"asset": "USD", "amount": "1000"}, headers=headers)
                for _ in range(25)
            ]
            responses = await asyncio.gather(*claims)
            balances = (await client.get("/v1/me/balances", headers=headers)).json()
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 10, codes
    assert set(codes) == {201, 409}
    (balance,) = balances["balances"]
    assert int(balance["available"]) >= 0
    assert balance["in_payouts"] == "10000"
    assert int(balance["available"]) + 10000 == int(balance["lifetime"])


def _distribute(urls: DatabaseUrls, batch: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": SRC,
        "BACKBEAT_DATABASE_URL": urls.owner,
        "BACKBEAT_API_DATABASE_URL": urls.api,
    }
    argv = [
        sys.executable,
        "-c",
        "from backbeat.cli import main; main()",
        "royalties",
        "distribute",
        "--batch-size",
        str(batch),
    ]
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _allocated(urls: DatabaseUrls) -> int:
    with psycopg.connect(urls.owner) as conn:
        row = conn.execute(
            "select count(*) from royalties_revenue_events where status = 'allocated'"
        ).fetchone()
        return int(row[0]) if row else 0


def _wait_for_a_batch(urls: DatabaseUrls) -> None:
    """Polls until the distributor has committed its first batch (it is mid-run after that)."""
    deadline = time.monotonic() + 60
    while _allocated(urls) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)


async def test_a_killed_distributor_rolls_back_its_batch_and_a_rerun_finishes(
    committed_urls: DatabaseUrls,
) -> None:
    seed(committed_urls, None, events=30_000, amount=100)
    first = _distribute(committed_urls, batch=500)
    _wait_for_a_batch(committed_urls)
    first.send_signal(signal.SIGKILL)
    first.wait()
    partial = _allocated(committed_urls)
    assert 0 < partial < 30_000 and partial % 500 == 0  # whole batches only
    second = _distribute(committed_urls, batch=2000)
    assert second.wait(timeout=300) == 0, second.stderr.read() if second.stderr else ""
    assert _allocated(committed_urls) == 30_000
    database = Database.connect(committed_urls, pool_size=2)
    try:
        async with session_scope(database) as session:
            report = await verify(session)
        again = await tasks.distribute(database, Settings())
    finally:
        await database.dispose()
    assert report.ok, report.problems
    assert report.receipts == 30_000
    assert again == 0
