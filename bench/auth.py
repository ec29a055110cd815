"""Authenticated GET /v1/me against anonymous GET /v1/users/{username} on the same row.

The difference is what authentication costs per request: verifying the JWT, checking the session
is live, and setting the caller's claims for row-level security. Also: the argon2id hash time.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from backbeat.identity.password_hashing import hash_password
from bench.support import LoadResult, api_server, drive, median, migrated_database, ratio_line

CONCURRENCY = 16
REQUESTS = 2000
ROUNDS = 3
TARGET = 0.85
USER = {"email": "bench@example.com", "password": "a bench passphrase 42", "username": "bench"}


async def load(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> LoadResult:
    """Warm up, then run REQUESTS GETs of one path at CONCURRENCY."""

    async def one(_: int) -> None:
        response = await client.get(path, headers=headers)
        response.raise_for_status()

    await drive(one, concurrency=CONCURRENCY, total=200)
    return await drive(one, concurrency=CONCURRENCY, total=REQUESTS)


async def measure(base: str) -> tuple[list[LoadResult], list[LoadResult]]:
    """Alternate the two endpoints for a few rounds, so drift hits both alike."""
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        signed = await client.post("/v1/auth/signup", json=USER)
        if signed.status_code == 409:  # the second server shares the database
            grant = {"grant_type": "password", "email": USER["email"], "password": USER["password"]}
            signed = await client.post("/v1/auth/token", json=grant)
        signed.raise_for_status()
        auth = {"Authorization": f"Bearer {signed.json()['access_token']}"}
        mine, public = [], []
        for _ in range(ROUNDS):
            mine.append(await load(client, "/v1/me", auth))
            public.append(await load(client, f"/v1/users/{USER['username']}", {}))
    return mine, public


def best(results: list[LoadResult]) -> LoadResult:
    """The round with the median throughput."""
    ordered = sorted(results, key=lambda r: r.per_second)
    return ordered[len(ordered) // 2]


def argon2_milliseconds(samples: int = 10) -> float:
    """Median time of one argon2id hash at the OWASP parameters, in milliseconds."""
    timings = []
    for index in range(samples):
        started = time.perf_counter()
        hash_password(f"benchmark password {index}")
        timings.append((time.perf_counter() - started) * 1000)
    return median(timings)


def run() -> list[str]:
    """Measure with the default session-check cache, and with a database check on every request."""
    lines = [f"concurrency {CONCURRENCY}, {REQUESTS} requests per round, median of {ROUNDS}"]
    with migrated_database() as urls:
        for label, cache in (("session cache 2 s", "2"), ("session check every request", "0")):
            with api_server(urls, BACKBEAT_SESSION_CHECK_CACHE_SECONDS=cache) as base:
                mine, public = asyncio.run(measure(base))
            me, anon = best(mine), best(public)
            lines += [
                f"-- {label}",
                me.summary("GET /v1/me (bearer JWT)"),
                anon.summary("GET /v1/users/{username}"),
                ratio_line(f"me / public ({label})", me.per_second, anon.per_second, TARGET),
            ]
    lines.append(f"argon2id hash (m=19456 KiB, t=2, p=1): {argon2_milliseconds():.1f} ms")
    return lines
