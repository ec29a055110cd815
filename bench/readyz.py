"""Trivial endpoint through the full app (uvicorn, real HTTP) vs raw `SELECT 1` over psycopg."""

from __future__ import annotations

import asyncio

import httpx
import psycopg

from backbeat.embedded import DatabaseUrls
from bench.support import LoadResult, api_server, drive, migrated_database, ratio_line

CONCURRENCY = 16
REQUESTS = 4000


async def through_api(base: str) -> LoadResult:
    """GET /readyz: request id, metrics, a database round trip, JSON out."""
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, limits=limits) as client:

        async def one(_: int) -> None:
            response = await client.get("/readyz")
            response.raise_for_status()

        await drive(one, concurrency=CONCURRENCY, total=200)  # warm up
        return await drive(one, concurrency=CONCURRENCY, total=REQUESTS)


async def raw_select(urls: DatabaseUrls) -> LoadResult:
    """The same concurrency issuing SELECT 1 on its own connections: the floor of any request."""
    connections = [
        await psycopg.AsyncConnection.connect(urls.owner, autocommit=True)
        for _ in range(CONCURRENCY)
    ]
    try:

        async def one(index: int) -> None:
            await (await connections[index].execute("select 1")).fetchone()

        await drive(one, concurrency=CONCURRENCY, total=200)
        return await drive(one, concurrency=CONCURRENCY, total=REQUESTS)
    finally:
        for connection in connections:
            await connection.close()


def run() -> list[str]:
    """Measure both at the same concurrency in the same run."""
    with migrated_database() as urls, api_server(urls) as base:
        api = asyncio.run(through_api(base))
        raw = asyncio.run(raw_select(urls))
    return [
        f"concurrency {CONCURRENCY}, {REQUESTS} requests each",
        api.summary("GET /readyz (uvicorn+app)"),
        raw.summary("SELECT 1 (psycopg)"),
        ratio_line("api / raw SELECT 1", api.per_second, raw.per_second),
    ]
