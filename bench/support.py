"""What benchmarks share: a throwaway migrated database, a real uvicorn server, a load loop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from alembic import command

from backbeat.embedded import DatabaseUrls, api_url_for, ensure_database, start_embedded
from backbeat.health import alembic_config


@contextlib.contextmanager
def migrated_database(name: str = "backbeat_bench") -> Iterator[DatabaseUrls]:
    """An embedded PostgreSQL in a temp dir, migrated to head; stopped and deleted after."""
    with tempfile.TemporaryDirectory(prefix="backbeat-bench-") as tmp:
        owner = ensure_database(start_embedded(Path(tmp)), name)
        command.upgrade(alembic_config(owner), "head")
        yield DatabaseUrls(owner=owner, api=api_url_for(owner))


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def api_server(urls: DatabaseUrls, **env: str) -> Iterator[str]:
    """The real app under uvicorn in a subprocess (no in-process worker); yields its base URL."""
    port = free_port()
    environment = {
        **os.environ,
        "BACKBEAT_DATABASE_URL": urls.owner,
        "BACKBEAT_API_DATABASE_URL": urls.api,
        "BACKBEAT_RUN_WORKER": "false",
        "BACKBEAT_LOG_LEVEL": "WARNING",
        **env,
    }
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "backbeat.app:app_from_environment",
        "--factory",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(argv, env=environment)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def wait_until_up(base: str, prefix: str = "", timeout: float = 30.0) -> None:
    """Poll {prefix}/healthz until the server answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}{prefix}/healthz", timeout=1.0).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server at {base} did not start within {timeout} s")


@dataclass(frozen=True)
class LoadResult:
    """Throughput and latency of one load run."""

    requests: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        """Latency at percentile p (0–100), in milliseconds."""
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))
        return ordered[index] * 1000

    def summary(self, label: str) -> str:
        return (
            f"{label:<28} {self.per_second:9.0f} req/s   p50 {self.percentile(50):6.2f} ms"
            f"   p99 {self.percentile(99):6.2f} ms"
        )


async def drive(
    operation: Callable[[int], Awaitable[None]], *, concurrency: int, total: int
) -> LoadResult:
    """Run `total` operations with `concurrency` workers; each worker passes its own index."""
    latencies: list[float] = []
    remaining = iter(range(total))

    async def worker(index: int) -> None:
        for _ in remaining:
            started = time.perf_counter()
            await operation(index)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return LoadResult(len(latencies), time.perf_counter() - started, latencies)


def ratio_line(name: str, ours: float, baseline: float, target: float | None = None) -> str:
    """The line every benchmark ends with: ours / baseline, and the target if there is one."""
    value = ours / baseline if baseline else float("nan")
    verdict = (
        ""
        if target is None
        else ("  (meets" if value >= target else "  (BELOW") + f" target {target})"
    )
    return f"ratio {name}: {value:.3f}{verdict}"


def median(values: list[float]) -> float:
    """The median, for repeated measurements."""
    return statistics.median(values)
