"""`python -m bench listening`: ingest and hot reads of listens against same-run baselines.

Ingest: BENCH_LISTENS (default 1,000,000) listens of BENCH_INGEST_USERS (10) users go into the
indexed, monthly-partitioned listening_listens three ways, from an empty table each time:
COPY of the final rows (the floor), POST /1/submit-listens with listen_type=import batches of
1,000 (a real server, PAT auth, rate limits raised), and `backbeat import listens` of the same
listens as ListenBrainz JSON-lines exports (one run per user, process start included).
Reads: after filling the table to BENCH_READ_USERS (10,000) users, a user's newest 100
listens (demo listener mia, signed in, who owns one ingested share) and the trending chart
through the API (wrk) against the same SQL over raw psycopg.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import psycopg

from backbeat.config import Settings
from backbeat.db import Claims, Database
from backbeat.identity.auth import Caller
from backbeat.identity.demo import DEMO_USERS
from backbeat.identity.models import uuid7
from backbeat.identity.opaque_tokens import PERSONAL_ACCESS_PREFIX, new_opaque_token
from backbeat.listening.listens import normalise, recording_msid
from backbeat.listening.service.listens import PAGE_READ
from backbeat.listening.service.plays import TRENDING_READ
from backbeat.listening.tasks import count_plays
from bench.http import (
    BIN,
    Endpoint,
    baseline_spec,
    load_demo,
    measure,
    raw,
    raw_line,
    running,
    serve,
)
from bench.support import free_port, migrated_database, ratio_line
from bench.wrk import pinning_note

LISTENS = int(os.environ.get("BENCH_LISTENS", "1000000"))
INGEST_USERS = int(os.environ.get("BENCH_INGEST_USERS", "10"))
READ_USERS = int(os.environ.get("BENCH_READ_USERS", "10000"))
FILLER_PER_USER = 100
BATCH = 1000
CONCURRENCY = 4
START = datetime(2026, 11, 30, tzinfo=UTC)
COLUMNS = (
    "id, user_id, listened_at, artist_name, track_name, duration_ms, recording_msid, track_id, "
    "client, platform, additional_info"
)


def make_users(owner: str, count: int) -> list[uuid.UUID]:
    """`count` users made in SQL (bench_00000 …), in order."""
    with psycopg.connect(owner) as conn:
        conn.execute(
            "insert into identity_users (id, username) select gen_random_uuid(), "
            "'bench_' || lpad(n::text, 5, '0') from generate_series(0, %s - 1) n",
            (count,),
        )
        rows = conn.execute(
            "select id from identity_users where username like 'bench\\_%%' order by username"
        ).fetchall()
    return [row[0] for row in rows]


def make_tokens(owner: str, users: list[uuid.UUID]) -> list[str]:
    """A `listens:write` + `read` personal access token per user."""
    tokens = []
    with psycopg.connect(owner) as conn:
        for user in users:
            made = new_opaque_token(PERSONAL_ACCESS_PREFIX)
            conn.execute(
                "insert into identity_personal_access_tokens (id, user_id, name, scopes, "
                "token_hash, hint) values (gen_random_uuid(), %s, 'bench', "
                "array['listens:write', 'read'], %s, 'bench')",
                (user, made.sha256_hex),
            )
            tokens.append(made.token)
    return tokens


def catalog(owner: str) -> list[tuple[str, str, uuid.UUID]]:
    with psycopg.connect(owner) as conn:
        rows = conn.execute(
            "select artist, title, id from catalog_tracks where visibility = 'public' "
            "and deleted_at is null order by created_at, id"
        ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


def listens_of(
    index: int, count: int, tracks: list[tuple[str, str, uuid.UUID]]
) -> list[dict[str, Any]]:
    """One user's listens as ListenBrainz JSON: half name catalog tracks, one every 10 minutes."""
    out = []
    for i in range(count):
        if i % 2 and tracks:
            artist, title, _ = tracks[(i * 7 + index) % len(tracks)]
        else:
            artist, title = f"Artist {(i + index) % 500}", f"Track {(i * 13) % 5000}"
        at = int((START - timedelta(seconds=i * 600 + index)).timestamp())
        info = {"duration_ms": 180_000, "submission_client": "bench"}
        out.append(
            {
                "listened_at": at,
                "track_metadata": {
                    "artist_name": artist,
                    "track_name": title,
                    "additional_info": info,
                },
            }
        )
    return out


def copy_rows(
    user: uuid.UUID, listens: list[dict[str, Any]], matches: dict[tuple[str, str], uuid.UUID]
) -> Iterator[tuple[Any, ...]]:
    """The rows the API stores for these listens (match, msid, JSON), ready for COPY."""
    for listen in listens:
        meta = listen["track_metadata"]
        artist, title = meta["artist_name"], meta["track_name"]
        yield (
            uuid7(),
            user,
            datetime.fromtimestamp(listen["listened_at"], UTC),
            artist,
            title,
            180_000,
            recording_msid(artist, title),
            matches.get((normalise(artist), normalise(title))),
            "bench",
            "listenbrainz",
            json.dumps(meta["additional_info"]),
        )


def reset(owner: str) -> None:
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute("truncate listening_listens")
        conn.execute(
            "select listening_ensure_partitions(%s, %s)", (START - timedelta(days=900), START)
        )


def copy_in(
    owner: str,
    batches: list[tuple[uuid.UUID, list[dict[str, Any]]]],
    matches: dict[tuple[str, str], uuid.UUID],
) -> float:
    """Seconds to COPY the rows into the indexed, partitioned table."""
    started = time.perf_counter()
    with (
        psycopg.connect(owner) as conn,
        conn.cursor() as cursor,
        cursor.copy(f"copy listening_listens ({COLUMNS}) from stdin") as copy,
    ):
        for user, listens in batches:
            for row in copy_rows(user, listens, matches):
                copy.write_row(row)
    return time.perf_counter() - started


async def submit_all(base: str, bodies: list[tuple[str, bytes]]) -> float:
    """Seconds to POST every batch to /1/submit-listens, CONCURRENCY at a time."""
    queue = iter(bodies)

    async def worker(client: httpx.AsyncClient) -> None:
        for token, body in queue:
            response = await client.post(
                f"{base}/1/submit-listens",
                content=body,
                headers={"Authorization": f"Token {token}"},
            )
            response.raise_for_status()

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=300) as client:
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
    return time.perf_counter() - started


def api_env(urls: Any) -> dict[str, str]:
    return {
        "BACKBEAT_DATABASE_URL": urls.owner,
        "BACKBEAT_API_DATABASE_URL": urls.api,
        "BACKBEAT_RUN_WORKER": "false",
        "BACKBEAT_LOG_LEVEL": "WARNING",
        "BACKBEAT_LISTENBRAINZ_RATE_LIMIT_PER_TOKEN": "1000000",
    }


def cli_import(urls: Any, files: list[tuple[str, Path]]) -> float:
    """Seconds for `backbeat import listens` of every user's export, one run each."""
    started = time.perf_counter()
    for username, path in files:
        subprocess.run(
            [
                str(BIN / "backbeat"),
                "import",
                "listens",
                str(path),
                "--user",
                username,
                "--format",
                "listenbrainz",
            ],
            env={**os.environ, **api_env(urls)},
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - started


def run() -> list[str]:
    per_user = LISTENS // INGEST_USERS
    lines = [
        pinning_note(),
        f"{per_user * INGEST_USERS:,} listens of {INGEST_USERS} users; batches of {BATCH}",
    ]
    with (
        migrated_database("backbeat_bench_listening") as urls,
        tempfile.TemporaryDirectory() as tmp,
    ):
        load_demo(urls)
        tracks = catalog(urls.owner)
        matches = {(normalise(a), normalise(t)): i for a, t, i in tracks}
        users = [mia(urls.owner), *make_users(urls.owner, READ_USERS - 1)]
        ingesting = users[:INGEST_USERS]
        tokens = make_tokens(urls.owner, ingesting)
        data = [(u, listens_of(n, per_user, tracks)) for n, u in enumerate(ingesting)]
        total = per_user * INGEST_USERS

        reset(urls.owner)
        copy_seconds = copy_in(urls.owner, data, matches)
        lines.append(f"{'COPY into listening_listens':<44} {total / copy_seconds:9.0f} listens/s")

        bodies = [
            (
                tokens[n],
                json.dumps({"listen_type": "import", "payload": listens[i : i + BATCH]}).encode(),
            )
            for n, (_, listens) in enumerate(data)
            for i in range(0, len(listens), BATCH)
        ]
        reset(urls.owner)
        port = free_port()
        argv = [str(BIN / "backbeat"), "serve", "--no-worker", "--port", str(port)]
        with running(serve(argv, api_env(urls), port)):
            api_seconds = asyncio.run(submit_all(f"http://127.0.0.1:{port}", bodies))
        lines.append(
            f"{'POST /1/submit-listens (import, 1,000 each)':<44} "
            f"{total / api_seconds:9.0f} listens/s"
        )
        lines.append(
            ratio_line("API ingest / COPY", total / api_seconds, total / copy_seconds, 0.3)
        )

        files = []
        for n, (_, listens) in enumerate(data):
            path = Path(tmp) / f"listens_{n:05d}.jsonl"
            path.write_text("\n".join(json.dumps(x) for x in listens))
            files.append(("mia" if n == 0 else f"bench_{n - 1:05d}", path))
        reset(urls.owner)
        cli_seconds = cli_import(urls, files)
        lines.append(
            f"{'backbeat import listens (JSON lines)':<44} {total / cli_seconds:9.0f} listens/s"
        )
        lines.append(
            ratio_line("CLI import / COPY", total / cli_seconds, total / copy_seconds, 0.5)
        )

        filler = [
            (u, listens_of(n, FILLER_PER_USER, tracks)) for n, u in enumerate(users[INGEST_USERS:])
        ]
        copy_in(urls.owner, filler, matches)
        lines += read_phase(urls)
    return lines


def mia(owner: str) -> uuid.UUID:
    """The demo listener whose newest listens the read phase pages (she can sign in)."""
    with psycopg.connect(owner) as conn:
        row = conn.execute("select id from identity_users where username = 'mia'").fetchone()
    assert row is not None, "the demo data is missing"
    return uuid.UUID(str(row[0]))


def sign_in_mia(base: str) -> tuple[str, Claims]:
    """Mia's access token and the claims the API derives from it."""
    password = next(u[3] for u in DEMO_USERS if u[0] == "mia")
    body = {"grant_type": "password", "email": "mia@demo.backbeat.local", "password": password}
    response = httpx.post(f"{base}/v1/auth/token", json=body, timeout=30)
    response.raise_for_status()
    token = str(response.json()["access_token"])
    claims = jwt.decode(token, options={"verify_signature": False})
    caller = Caller(
        uuid.UUID(claims["sub"]),
        claims["role"],
        claims["aal"],
        uuid.UUID(claims["session_id"]),
        claims.get("wallet_address"),
        tuple(claims.get("scopes", ())),
        "access",
    )
    return token, caller.claims()


def read_phase(urls: Any) -> list[str]:
    """Newest 100 listens and the trending chart: API (wrk) vs the same SQL over raw psycopg."""
    settings = Settings(
        database_url=urls.owner, api_database_url=urls.api, listening_plays_lag_seconds=0
    )

    async def plays() -> int:
        database = Database.connect(urls, pool_size=2)
        try:
            return await count_plays(database, settings)
        finally:
            await database.dispose()

    counted = asyncio.run(plays())
    with psycopg.connect(urls.owner) as conn:
        rows = conn.execute(
            "select count(*), count(distinct user_id) from listening_listens"
        ).fetchone()
    assert rows is not None
    lines = [f"reads on {rows[0]:,} listens of {rows[1]:,} users ({counted:,} plays counted)"]
    points = [
        Endpoint(
            "GET /v1/me/listens?limit=100",
            "/v1/me/listens?limit=100",
            True,
            PAGE_READ,
            {
                "since": None,
                "until": None,
                "track_id": None,
                "after_at": None,
                "after_id": None,
                "limit": 101,
            },
        ),
        Endpoint(
            "GET /v1/charts/trending",
            "/v1/charts/trending",
            False,
            TRENDING_READ,
            {"half_life": 7.0, "days": 28, "limit": 50},
        ),
    ]
    port = free_port()
    argv = [str(BIN / "backbeat"), "serve", "--no-worker", "--port", str(port)]
    with running(serve(argv, api_env(urls), port)) as pid:
        base = f"http://127.0.0.1:{port}"
        token, claims = sign_in_mia(base)
        ours = [
            measure(base, p.path, {"Authorization": f"Bearer {token}"} if p.bearer else {}, pid)
            for p in points
        ]
    spec_json = baseline_spec(urls, claims, points)
    for index, (point, mine) in enumerate(zip(points, ours, strict=True)):
        floor = raw(spec_json, index)
        lines += [mine.line(point.name), raw_line(floor)]
        lines.append(
            ratio_line(f"{point.name} / raw psycopg", mine.per_second, floor["per_second"], 0.3)
        )
    return lines
