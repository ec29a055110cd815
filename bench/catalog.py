"""Catalog search and lineage through the API vs the same SQL through raw psycopg.

Loads 100,000 tracks and 20,000 lineage edges (sizes: BENCH_CATALOG_TRACKS, BENCH_CATALOG_EDGES)
with COPY into a throwaway database, with users, payees and both split sheets per track, so the
rows look like a real catalog and every constraint and trigger (the generated search vector, the
deferred split-sum check) runs. Edges only point from newer to older tracks: the graph is acyclic.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import psycopg

from backbeat.catalog.service.lineage import LINEAGE_READS
from backbeat.catalog.service.search import SearchQuery, build_read
from backbeat.db import ANONYMOUS
from backbeat.embedded import DatabaseUrls
from bench.http import BIN, database_env, running, serve
from bench.support import (
    LoadResult,
    drive,
    free_port,
    median,
    migrated_database,
    ratio_line,
)
from bench.wrk import SERVER_CORE, WrkResult, pinning_note, run_wrk

CONCURRENCY = 16
SEARCHES = int(os.environ.get("BENCH_CATALOG_SEARCHES", "3000"))
LINEAGE_CALLS = int(os.environ.get("BENCH_CATALOG_LINEAGE_CALLS", "1000"))
TRACKS = int(os.environ.get("BENCH_CATALOG_TRACKS", "100000"))
EDGES = int(os.environ.get("BENCH_CATALOG_EDGES", "20000"))
USERS = max(10, TRACKS // 50)
CHAIN_DEPTH = 12
LINEAGE_DEPTH = 10
TARGET = 0.35
WRK_SECONDS = int(os.environ.get("BENCH_CATALOG_SECONDS", "5"))

WORDS_TEXT = (
    "midnight city neon dream echo fire golden heart island jungle kiss lunar motion night "
    "ocean pulse quiet river shadow summer thunder velvet wave winter yellow zero amber bass "
    "cosmic drift electric forest groove horizon infinite journey karma lights mirror nova "
    "orbit paradise rhythm signal static tropical vapor wild crystal dusk ember falcon"
)
TAGS_TEXT = "trap house lofi drill ambient techno soul jazz funk pop rnb afro dub garage"
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ra",
    "ve",
    "sun",
    "do",
    "ri",
    "ta",
    "ne",
    "bo",
    "la",
    "zu",
    "fi",
    "mo",
    "ce",
    "ga",
    "ly",
    "pa",
    "ro",
]
WORDS = tuple(WORDS_TEXT.split()) + tuple(
    a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES[:5]
)
"""About 2,000 words, so a prefix matches a realistic few hundred titles, not a tenth of all."""
TAGS = tuple(TAGS_TEXT.split())
SAMPLE_TYPES = ("vocals", "beats", "full_backing_track", "leads_and_tops", "instrumental")
KEYS = ("Am", "C", "F#m", "G", "Dm", "E", "Bbm", "D")
TRACK_COLUMNS = (
    "id, title, artist, description, tags, sample_type, loop_category, bpm, key, "
    "duration_seconds, license_derivatives, visibility, created_by, created_at, updated_at"
)


@dataclass(frozen=True)
class Catalog:
    """What the load produced that the measurements need."""

    chain_tips: list[uuid.UUID]
    edges: int


def _title(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3))).title()


async def load(urls: DatabaseUrls) -> Catalog:
    """Users, payees, tracks, split sheets and edges with COPY, in one transaction, then ANALYZE."""
    rng = random.Random(4)
    users = [uuid.uuid4() for _ in range(USERS)]
    payees = [uuid.uuid4() for _ in range(USERS)]
    tracks = [uuid.uuid4() for _ in range(TRACKS)]
    owners = [rng.randrange(USERS) for _ in range(TRACKS)]
    async with await psycopg.AsyncConnection.connect(urls.owner) as conn:
        async with conn.transaction():
            await _copy_users(conn, users, payees)
            await _copy_tracks(conn, rng, tracks, users, owners)
            await _copy_sheets(conn, rng, tracks, owners, payees)
            chain_tips, edges = await _copy_edges(conn, rng, tracks, owners, users)
        await conn.set_autocommit(True)
        await conn.execute("analyze")
    return Catalog(chain_tips, edges)


async def _copy_users(
    conn: psycopg.AsyncConnection[Any], users: list[uuid.UUID], payees: list[uuid.UUID]
) -> None:
    cur = conn.cursor()
    async with cur.copy("copy identity_users (id, username, display_name, roles) from stdin") as cp:
        for i, user in enumerate(users):
            await cp.write_row((user, f"artist_{i:05d}", f"Artist {i}", ["artist"]))
    async with cur.copy("copy catalog_payees (id, user_id) from stdin") as cp:
        for payee, user in zip(payees, users, strict=True):
            await cp.write_row((payee, user))


async def _copy_tracks(
    conn: psycopg.AsyncConnection[Any],
    rng: random.Random,
    tracks: list[uuid.UUID],
    users: list[uuid.UUID],
    owners: list[int],
) -> None:
    """Older tracks first: created_at grows with the index (edges rely on it)."""
    start = datetime.now(UTC) - timedelta(days=730)
    step = timedelta(days=729) / len(tracks)
    visibility = ["public"] * 18 + ["unlisted", "private"]
    async with conn.cursor().copy(f"copy catalog_tracks ({TRACK_COLUMNS}) from stdin") as cp:
        for i, track in enumerate(tracks):
            created = start + step * i
            await cp.write_row(
                (
                    track,
                    _title(rng),
                    f"Artist {owners[i]}",
                    f"{rng.choice(WORDS)} {rng.choice(WORDS)} loop" if i % 3 else None,
                    rng.sample(TAGS, rng.randint(0, 3)),
                    rng.choice(SAMPLE_TYPES),
                    rng.choice(("intro", "verse", "chorus", "drop", None)),
                    rng.randint(60, 180) if i % 10 else None,
                    rng.choice(KEYS),
                    rng.uniform(5, 240),
                    i % 7 != 0,
                    rng.choice(visibility),
                    users[owners[i]],
                    created,
                    created,
                )
            )


async def _copy_sheets(
    conn: psycopg.AsyncConnection[Any],
    rng: random.Random,
    tracks: list[uuid.UUID],
    owners: list[int],
    payees: list[uuid.UUID],
) -> None:
    """Both sheets per track, one to three payees summing to exactly 1,000,000 ppm."""
    versions: list[tuple[uuid.UUID, uuid.UUID, str]] = []
    cur = conn.cursor()
    sql = "copy catalog_split_versions (id, track_id, sheet, version, effective_from, status) "
    async with cur.copy(sql + "from stdin") as cp:
        for track in tracks:
            for sheet in ("composition", "production"):
                version = uuid.uuid4()
                versions.append((version, track, sheet))
                await cp.write_row(
                    (version, track, sheet, 1, datetime(2024, 1, 1, tzinfo=UTC), "active")
                )
    sql = "copy catalog_split_entries (version_id, position, payee_id, role, share_ppm) from stdin"
    async with cur.copy(sql) as cp:
        for n, (version, _, sheet) in enumerate(versions):
            owner = owners[n // 2]
            others = {
                (owner + rng.randint(1, len(payees) - 1)) % len(payees)
                for _ in range(rng.randint(0, 2))
            }
            chosen = [owner, *sorted(others)]
            shares = [1_000_000 // len(chosen)] * len(chosen)
            shares[0] += 1_000_000 - sum(shares)
            role = "composer" if sheet == "composition" else "producer"
            for position, (payee, share) in enumerate(zip(chosen, shares, strict=True)):
                await cp.write_row((version, position, payees[payee], role, share))


async def _copy_edges(
    conn: psycopg.AsyncConnection[Any],
    rng: random.Random,
    tracks: list[uuid.UUID],
    owners: list[int],
    users: list[uuid.UUID],
) -> tuple[list[uuid.UUID], int]:
    """Chains CHAIN_DEPTH deep, then random newer → older edges (at most 3 parents a child)."""
    edges: dict[tuple[int, int], str] = {}
    chains = max(1, min(len(tracks) // (CHAIN_DEPTH * 4), EDGES // (CHAIN_DEPTH * 4)))
    stride = len(tracks) // (chains * (CHAIN_DEPTH + 1))
    tips = []
    for c in range(chains):
        links = [c + (k * chains * stride) for k in range(CHAIN_DEPTH + 1)]
        for older, newer in itertools.pairwise(links):
            edges[(newer, older)] = "remix"
        tips.append(links[-1])
    parents = dict.fromkeys(range(len(tracks)), 0)
    for child, _ in edges:
        parents[child] += 1
    while len(edges) < EDGES:
        child = rng.randrange(1, len(tracks))
        parent = rng.randrange(child)
        if parents[child] < 3 and (child, parent) not in edges:
            edges[(child, parent)] = rng.choice(("remix", "remix", "sample", "stem_of"))
            parents[child] += 1
    sql = "copy catalog_lineage_edges (child_id, parent_id, kind, share_ppm, created_by) from stdin"
    async with conn.cursor().copy(sql) as cp:
        for (child, parent), kind in edges.items():
            share = None if kind == "stem_of" else 200_000
            await cp.write_row((tracks[child], tracks[parent], kind, share, users[owners[child]]))
    return [tracks[t] for t in tips], len(edges)


def search_mix(rng: random.Random, n: int = 240) -> list[dict[str, str]]:
    """Query strings as a store front sends them: prefixes, filters, sorts (public tracks)."""
    mix: list[dict[str, str]] = []
    for i in range(n):
        words = rng.sample(WORDS, rng.choice((1, 1, 2)))
        q = " ".join(w[: rng.randint(4, len(w))] for w in words)
        low = rng.randrange(60, 160)
        shape = i % 10
        if shape < 4:
            params = {"q": q, "sort": "relevance"}
        elif shape < 6:
            params = {"q": q, "sample_type": rng.choice(SAMPLE_TYPES), "sort": "newest"}
        elif shape < 8:
            params = {"sample_type": rng.choice(SAMPLE_TYPES), "sort": "newest"}
            params |= {"bpm_min": str(low), "bpm_max": str(low + 20)}
        elif shape < 9:
            params = {"q": q, "bpm_min": str(low), "bpm_max": str(low + 40), "sort": "relevance"}
        else:
            params = {"key": rng.choice(KEYS), "sort": "newest"}
        mix.append(params | {"limit": "20"})
    return mix


def as_search_query(params: dict[str, str]) -> SearchQuery:
    """The SearchQuery the router builds from these (already normalised) parameters."""
    bpm_min, bpm_max = params.get("bpm_min"), params.get("bpm_max")
    return SearchQuery(
        q=params.get("q"),
        sample_type=params.get("sample_type"),
        key=params.get("key"),
        bpm_min=float(bpm_min) if bpm_min else None,
        bpm_max=float(bpm_max) if bpm_max else None,
        sort=params["sort"],  # type: ignore[arg-type]
        limit=int(params["limit"]),
    )


def search_statements(mix: list[dict[str, str]]) -> list[tuple[str, dict[str, Any]]]:
    """The statement the service runs for each query of the mix (from its own build_sql)."""
    statements = []
    for params in mix:
        read, bound, _ = build_read(as_search_query(params))
        statements.append((read.sql, bound))
    return statements


def lineage_statements(tips: list[uuid.UUID]) -> list[list[tuple[str, dict[str, Any]]]]:
    """Per tip, the one statement the lineage service issues (visibility and the walk)."""
    walk = LINEAGE_READS["ancestors"].sql
    return [[(walk, {"root": t, "depth": LINEAGE_DEPTH})] for t in tips]


def through_api(base: str, paths: list[str], pid: int) -> WrkResult:
    """GET each path in turn (anonymous) at CONCURRENCY, from wrk pinned to its own core."""
    run_wrk(base + paths[0], seconds=1, connections=CONCURRENCY, paths=paths)
    return run_wrk(
        base + paths[0], seconds=WRK_SECONDS, connections=CONCURRENCY, paths=paths, server_pid=pid
    )


async def through_psycopg(
    urls: DatabaseUrls, work: list[list[tuple[str, dict[str, Any]]]], total: int
) -> LoadResult:
    """The same statements on CONCURRENCY raw connections, as the same anonymous RLS role."""
    connections = [
        await psycopg.AsyncConnection.connect(urls.api, autocommit=True) for _ in range(CONCURRENCY)
    ]
    try:
        for conn in connections:
            await conn.execute(
                "select set_config('role', %s, false), set_config('request.jwt.claims', %s, false)",
                (ANONYMOUS.db_role, ANONYMOUS.as_json()),
            )
        counter = iter(range(10**9))

        async def one(index: int) -> None:
            for sql, params in work[next(counter) % len(work)]:
                await (await connections[index].execute(sql, params)).fetchall()

        await drive(one, concurrency=CONCURRENCY, total=CONCURRENCY * 10)
        return await drive(one, concurrency=CONCURRENCY, total=total)
    finally:
        for conn in connections:
            await conn.close()


async def public_tips(urls: DatabaseUrls, tips: list[uuid.UUID]) -> list[uuid.UUID]:
    """Chain tips an anonymous caller can read (and whose ancestors reach LINEAGE_DEPTH)."""
    async with await psycopg.AsyncConnection.connect(urls.owner) as conn:
        rows = await conn.execute(
            "select id from catalog_tracks where id = any(%s) and visibility = 'public'", (tips,)
        )
        return [row[0] async for row in rows]


def run() -> list[str]:
    """Load, then measure search and lineage through the API and through psycopg, 3 rounds."""
    rounds = int(os.environ.get("BENCH_CATALOG_ROUNDS", "3"))
    lines = [
        f"{TRACKS} tracks, {EDGES} lineage edges, concurrency {CONCURRENCY}; " + pinning_note(),
        "API load from wrk; the raw psycopg load runs pinned to the server's core",
        "search mix: 240 anonymous queries, 40% prefix words by relevance, 20% prefix + "
        "sample_type newest, 20% sample_type + bpm range newest, 10% prefix + bpm, 10% key newest",
        "raw = the service's own statement (build_read, LINEAGE_READS) over psycopg, "
        "as backbeat_anon with the same claims, without a per-request transaction",
    ]
    with migrated_database("backbeat_bench_catalog") as urls:
        started = time.perf_counter()
        catalog = asyncio.run(load(urls))
        tips = asyncio.run(public_tips(urls, catalog.chain_tips))
        lines.append(
            f"loaded with COPY + ANALYZE in {time.perf_counter() - started:.1f} s "
            f"({catalog.edges} edges, {len(tips)} public chain tips {CHAIN_DEPTH} deep)"
        )
        mix = search_mix(random.Random(7))
        search_paths = [f"/v1/tracks?{urlencode(p)}" for p in mix]
        search_sql = [[s] for s in search_statements(mix)]
        lineage_paths = [
            f"/v1/tracks/{t}/lineage?direction=ancestors&depth={LINEAGE_DEPTH}" for t in tips
        ]
        lineage_sql = lineage_statements(tips)
        search_ratios, lineage_ratios = [], []
        port = free_port()
        argv = [str(BIN / "backbeat"), "serve", "--no-worker", "--port", str(port)]
        base = f"http://127.0.0.1:{port}"
        with running(serve(argv, database_env(urls), port)) as pid:
            for r in range(rounds):
                api = through_api(base, search_paths, pid)
                raw = on_server_core(through_psycopg(urls, search_sql, SEARCHES))
                api_l = through_api(base, lineage_paths, pid)
                raw_l = on_server_core(through_psycopg(urls, lineage_sql, LINEAGE_CALLS))
                lines += _round_lines(r + 1, api, raw, api_l, raw_l)
                search_ratios.append(api.per_second / raw.per_second)
                lineage_ratios.append(api_l.per_second / raw_l.per_second)
    lines.append(f"-- median of {rounds} rounds")
    lines.append(ratio_line("search api / raw", median(search_ratios), 1.0, TARGET))
    lines.append(ratio_line("lineage api / raw", median(lineage_ratios), 1.0))
    return lines


def on_server_core(work: Coroutine[Any, Any, LoadResult]) -> LoadResult:
    """Run the raw-psycopg load from this process pinned to the API server's core."""
    if not hasattr(os, "sched_setaffinity") or (os.cpu_count() or 1) < 2:
        return asyncio.run(work)
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {SERVER_CORE})
    try:
        return asyncio.run(work)
    finally:
        os.sched_setaffinity(0, before)


def _round_lines(
    n: int, api: WrkResult, raw: LoadResult, api_l: WrkResult, raw_l: LoadResult
) -> list[str]:
    return [
        f"-- round {n}",
        api.line("search GET /v1/tracks (API, wrk)"),
        raw.summary("search, same SQL (psycopg)"),
        ratio_line("search api / raw", api.per_second, raw.per_second, TARGET),
        api_l.line(f"lineage depth {LINEAGE_DEPTH} (API, wrk)"),
        raw_l.summary("lineage, same SQL (psycopg)"),
        ratio_line("lineage api / raw", api_l.per_second, raw_l.per_second),
    ]
