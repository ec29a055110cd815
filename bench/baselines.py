"""Baselines for `bench http`: the same SQL over raw psycopg, and in a bare FastAPI endpoint.

Both run the exact messages Backbeat's reader sends (role, claims, session check and statement
in one simple query, prepared once per connection), with the same role and claims, from a
process pinned to the server's core. `python -m bench.baselines raw` drives the database
directly; `bare_app` is what a team would write by hand: one FastAPI route per read on a
psycopg pool, no middleware, no authentication, no dependencies.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from fastapi import FastAPI, Response
from psycopg_pool import AsyncConnectionPool

from backbeat.reads import Read, run_read

SPEC_ENV = "BENCH_BASELINE_SPEC"
"""JSON: {"uri": api URI, "reads": {name: {"sql": the Read's SQL, "params": {...}}}}."""


def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(os.environ[SPEC_ENV])
    return loaded


async def execute(conn: psycopg.AsyncConnection[Any], read: Read, params: dict[str, Any]) -> Any:
    rows = await run_read(conn, read, params)
    return rows[0][0] if rows else None


def bare_app() -> FastAPI:
    """One route per read: take a pooled connection, run the message, return its text."""
    config = spec()
    pool = AsyncConnectionPool(
        config["uri"],
        min_size=4,
        max_size=16,
        kwargs={"autocommit": True, "prepare_threshold": None},
        open=False,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await pool.open()
        yield
        await pool.close()

    app = FastAPI(lifespan=lifespan)
    reads = {name: Read(wanted["sql"]) for name, wanted in config["reads"].items()}

    @app.get("/bare/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/bare/{name}")
    async def read(name: str) -> Response:
        wanted = config["reads"][name]
        async with pool.connection() as conn:
            body = await execute(conn, reads[name], wanted["params"])
        return Response(str(body), media_type="application/json")

    return app


async def raw_loop(name: str, seconds: float, connections: int) -> dict[str, float]:
    """`connections` tasks each on its own connection, running the read for `seconds`."""
    config = spec()
    wanted = config["reads"][name]
    read = Read(wanted["sql"])
    conns = [
        await psycopg.AsyncConnection.connect(config["uri"], autocommit=True)
        for _ in range(connections)
    ]
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker(conn: psycopg.AsyncConnection[Any]) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await execute(conn, read, wanted["params"])
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    cpu = time.process_time()
    await asyncio.gather(*(worker(c) for c in conns))
    elapsed, cpu_used = time.perf_counter() - started, time.process_time() - cpu
    for conn in conns:
        await conn.close()
    ordered = sorted(latencies)
    return {
        "per_second": len(ordered) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000,
        "cpu_ms_per_request": cpu_used / len(ordered) * 1000,
    }


if __name__ == "__main__":
    _, mode, read_name, duration, width = sys.argv
    assert mode == "raw"
    print(json.dumps(asyncio.run(raw_loop(read_name, float(duration), int(width)))))
