"""`python -m bench taste`: vector search for recommendations at catalog scale.

BENCH_TASTE_TRACKS (100,000) public tracks with 768-d vectors drawn around 100 cluster centres
(like real embeddings: neighbourhoods, not uniform noise), BENCH_TASTE_USERS (10,000) users
each with a taste vector near one centre, 20 recent listens and 10 likes. Loaded by binary
COPY, the model's partial HNSW index (m 16, ef_construction 64) built after loading.

Prints: recall@10 of the index (the recommendations' path, ef_search 100) against exact search;
p50/p99 of the recommendation statement in SQL, without and with filters; the share of filtered
requests that returned the full k; GET /v1/me/recommendations through the API (wrk) against the
same SQL over raw psycopg; and incremental taste updates per second against full recomputes.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import numpy as np
import psycopg
from pgvector.psycopg import register_vector

from backbeat.db import Claims, Database, session_scope
from backbeat.identity.auth import Caller
from backbeat.reads import Read, prelude_params
from backbeat.taste.folding import Event, TasteState, fold, recompute
from backbeat.taste.service import recommendations
from backbeat.taste.service.vectors import fold_pending
from bench.http import BIN, Endpoint, baseline_spec, measure, raw, raw_line, running, serve
from bench.support import free_port, migrated_database, ratio_line
from bench.taste_data import (
    CLUSTERS,
    DIMENSION,
    HALF_LIFE,
    KEYS,
    MODEL,
    QUERIES,
    RECALL_QUERIES,
    SAMPLE_TYPES,
    TRACKS,
    USERS,
    K,
    load,
    unit_rows,
)
from bench.wrk import pinning_note


def recall_at_10(owner: str, model: uuid.UUID) -> float:
    """Users' tastes as queries: the index path (fetch 40, ef_search 100) against exact."""
    found = wanted = 0
    with psycopg.connect(owner) as conn:
        register_vector(conn)
        queries = conn.execute(
            "select vector from taste_user_vectors order by random() limit %s", [RECALL_QUERIES]
        ).fetchall()
        for (query,) in queries:
            approximate = {
                r[0]
                for r in conn.execute(
                    "select track_id from taste_nearest(%s, %s, 40) limit 10", [model, query]
                )
            }
            exact = {
                r[0]
                for r in conn.execute(
                    "select track_id from taste_track_embeddings where model_id = %s "
                    "order by embedding <=> %s limit 10",
                    [model, query],
                )
            }
            found += len(approximate & exact)
            wanted += len(exact)
    return found / wanted


def filters(pick: random.Random) -> dict[str, Any]:
    """A random mix of the recommendation filters."""
    low = pick.uniform(60, 160)
    return {
        "sample_type": pick.choice([None, *SAMPLE_TYPES]),
        "bpm_min": low if pick.random() < 0.5 else None,
        "bpm_max": low + 30 if pick.random() < 0.5 else None,
        "key": pick.choice(KEYS) if pick.random() < 0.3 else None,
        "derivatives": pick.random() < 0.5,
    }


def unfiltered() -> dict[str, Any]:
    return {
        "sample_type": None,
        "bpm_min": None,
        "bpm_max": None,
        "key": None,
        "derivatives": False,
    }


def claims_of(user: uuid.UUID) -> Claims:
    return Claims(sub=str(user), payload={"app_role": "listener"})


def params_for(user: uuid.UUID, wanted: dict[str, Any]) -> dict[str, Any]:
    return {"model": MODEL, "k": K, "recent_days": 14, "half_life": HALF_LIFE, **wanted}


ELIGIBLE = """select count(*) from (select 1 from catalog_tracks t where t.visibility = 'public'
  and t.deleted_at is null and t.created_by <> %(user)s
  and (%(sample_type)s::text is null or t.sample_type = %(sample_type)s)
  and (%(bpm_min)s::float8 is null or t.bpm >= %(bpm_min)s)
  and (%(bpm_max)s::float8 is null or t.bpm <= %(bpm_max)s)
  and (%(key)s::text is null or t.key = %(key)s) and (not %(derivatives)s or t.license_derivatives)
  and not exists (select 1 from library_dislikes d where d.user_id = %(user)s and d.track_id = t.id)
  and not exists (select 1 from listening_listens l where l.user_id = %(user)s
                  and l.track_id = t.id and l.listened_at >= now() - interval '14 days')
  limit %(k)s) x"""


def eligible(owner: psycopg.Connection[Any], user: uuid.UUID, wanted: dict[str, Any]) -> int:
    """How many tracks the filters leave this user (exact, by scanning)."""
    row = owner.execute(ELIGIBLE, {"user": user, "k": K, **wanted}).fetchone()
    return int(row[0]) if row else 0


def sql_latencies(
    urls: Any, users: list[uuid.UUID], with_filters: bool
) -> tuple[list[float], int, int]:
    """The recommendation message as the API sends it, per random user: latencies, how many
    requests had at least k eligible tracks, and how many of those answered the full k."""
    pick = random.Random(11 if with_filters else 12)
    message = Read(recommendations.RECOMMENDATIONS_READ.sql).message()
    latencies, full, possible = [], 0, 0
    with (
        psycopg.connect(urls.api, autocommit=True) as conn,
        psycopg.connect(urls.owner, autocommit=True) as owner,
    ):
        cursor = psycopg.ClientCursor(conn)
        for _ in range(QUERIES):
            user = pick.choice(users)
            wanted = filters(pick) if with_filters else unfiltered()
            values = prelude_params(claims_of(user), params_for(user, wanted))
            started = time.perf_counter()
            cursor.execute(message, values)
            while cursor.nextset():
                pass
            row = cursor.fetchone()
            latencies.append(time.perf_counter() - started)
            if with_filters and eligible(owner, user, wanted) < K:
                continue
            possible += 1
            full += 1 if row and len(_items(row[0])) == K else 0
    return latencies, full, possible


def _items(body: str) -> list[Any]:
    items: list[Any] = json.loads(body)["items"]
    return items


def percentiles(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"p50 {statistics.median(ordered) * 1000:7.2f} ms   p99 {p99 * 1000:7.2f} ms"


def folding_rates() -> tuple[float, float]:
    """Pure code, 768-d: events folded per second, and full recomputes of a 1,000-event
    history per second."""
    rng = np.random.default_rng(3)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    events = [
        Event(v, float(w), start + timedelta(minutes=i))
        for i, (v, w) in enumerate(
            zip(
                unit_rows(rng.normal(0, 1, (1000, DIMENSION))).astype(np.float64),
                rng.choice([1.0, -0.5, 2.0], 1000),
                strict=True,
            )
        )
    ]
    state = TasteState.empty(DIMENSION, start)
    began = time.perf_counter()
    for event in events * 20:
        state = fold(state, event)
    fold_rate = 20 * len(events) / (time.perf_counter() - began)
    began = time.perf_counter()
    for _ in range(20):
        recompute(events, DIMENSION)
    return fold_rate, 20 / (time.perf_counter() - began)


def db_fold_rate(urls: Any, users: list[uuid.UUID], tracks: list[uuid.UUID]) -> float:
    """Events per second the fold job takes off the queue into users' stored vectors."""
    pick = random.Random(5)
    now = datetime.now(UTC)
    with (
        psycopg.connect(urls.owner, autocommit=True) as conn,
        conn.cursor().copy(
            "copy taste_events (user_id, track_id, kind, weight, occurred_at) from stdin"
        ) as copy,
    ):
        for _ in range(20_000):
            copy.write_row((pick.choice(users[:2000]), pick.choice(tracks), "listen", 1.0, now))

    async def drain() -> float:
        database = Database.connect(urls, pool_size=2)
        try:
            began = time.perf_counter()
            folded = 0
            while True:
                async with session_scope(database) as session:
                    done = await fold_pending(session, half_life_days=HALF_LIFE, limit=5000)
                folded += done
                if done == 0:
                    return folded / (time.perf_counter() - began)
        finally:
            await database.dispose()

    return asyncio.run(drain())


def signed_up_listener(base: str, owner: str, model: uuid.UUID) -> tuple[str, Claims]:
    """A real account (signed up over HTTP) with a taste, its token and its claims."""
    body = {
        "email": "taste-bench@example.com",
        "password": "taste-bench-password-2026",
        "username": "taste_bench",
        "display_name": "Taste Bench",
    }
    response = httpx.post(f"{base}/v1/auth/signup", json=body, timeout=30)
    response.raise_for_status()
    token = str(response.json()["access_token"])
    claims = jwt.decode(token, options={"verify_signature": False})
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute(
            "insert into taste_user_vectors (user_id, model_id, dimension, vector, weight, "
            "reference_at) select %s, model_id, dimension, vector, weight, reference_at "
            "from taste_user_vectors where model_id = %s limit 1",
            [claims["sub"], model],
        )
    caller = Caller(
        uuid.UUID(claims["sub"]),
        claims["role"],
        claims["aal"],
        uuid.UUID(claims["session_id"]),
        None,
        tuple(claims.get("scopes", ())),
        "access",
    )
    return token, caller.claims()


def api_phase(urls: Any, model: uuid.UUID) -> Iterator[str]:
    port = free_port()
    argv = [str(BIN / "backbeat"), "serve", "--no-worker", "--port", str(port)]
    env = {
        "BACKBEAT_DATABASE_URL": urls.owner,
        "BACKBEAT_API_DATABASE_URL": urls.api,
        "BACKBEAT_LOG_LEVEL": "WARNING",
    }
    path = f"/v1/me/recommendations?model={MODEL}&k={K}"
    with running(serve(argv, env, port)) as pid:
        base = f"http://127.0.0.1:{port}"
        token, claims = signed_up_listener(base, urls.owner, model)
        check = httpx.get(base + path, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert check.status_code == 200 and len(check.json()["items"]) == K, check.text
        mine = measure(base, path, {"Authorization": f"Bearer {token}"}, pid)
    point = Endpoint(
        f"GET {path}",
        path,
        True,
        recommendations.RECOMMENDATIONS_READ,
        params_for(uuid.UUID(claims.sub or ""), unfiltered()),
    )
    floor = raw(baseline_spec(urls, claims, [point]), 0)
    yield mine.line("GET /v1/me/recommendations (API, wrk)")
    yield raw_line(floor)
    yield ratio_line("recommendations API / raw psycopg", mine.per_second, floor["per_second"], 0.3)


def run() -> list[str]:
    lines = [
        pinning_note(),
        f"{TRACKS:,} tracks x {DIMENSION}-d in {CLUSTERS} clusters, {USERS:,} users, k={K}",
    ]
    with migrated_database("backbeat_bench_taste") as urls:
        began = time.perf_counter()
        model, tracks, users = load(urls.owner)
        lines.append(
            f"{'load (binary COPY, then the HNSW index)':<44} {time.perf_counter() - began:8.0f} s"
        )
        print(f"   (loaded in {time.perf_counter() - began:.0f} s)", flush=True)
        recall = recall_at_10(urls.owner, model)
        print(f"   (recall {recall:.3f})", flush=True)
        lines.append(ratio_line("recall@10 HNSW / exact", recall, 1.0, 0.98))
        plain, _, _ = sql_latencies(urls, users, with_filters=False)
        lines.append(f"{'recommendation SQL, no filters':<44} {percentiles(plain)}")
        filtered, full, possible = sql_latencies(urls, users, with_filters=True)
        lines.append(f"{'recommendation SQL, random filters':<44} {percentiles(filtered)}")
        lines.append(f"   ({possible} of {QUERIES} filtered requests had at least k={K} eligible)")
        lines.append(ratio_line("filtered requests with the full k", full, possible, 1.0))
        lines += list(api_phase(urls, model))
        fold_rate, recompute_rate = folding_rates()
        lines.append(f"{'fold one event (pure, 768-d)':<44} {fold_rate:9.0f} updates/s")
        lines.append(
            f"{'full recompute, 1,000 events (pure)':<44} {recompute_rate:9.1f} recomputes/s"
        )
        lines.append(ratio_line("incremental update / full recompute", fold_rate, recompute_rate))
        folded = db_fold_rate(urls, users, tracks)
        lines.append(f"{'fold job, queue to stored vectors (SQL)':<44} {folded:9.0f} events/s")
    return lines
