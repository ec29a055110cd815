"""`python -m bench studio`: a 250 KB project edited by 1,000 small saves.

Prints: history bytes against 1,000 full copies; PATCH saves through the API (wrk, pinned apart
from the server) against the same single-statement UPDATE of the document over raw psycopg at
the same concurrency (pinned to the server's core); the time to rebuild the oldest, a middle
and the worst-placed version; presence fan-out latency for 50 sockets on two server processes.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import text
from websockets.asyncio.client import ClientConnection, connect

from backbeat.db import Database, session_scope
from backbeat.embedded import DatabaseUrls
from backbeat.studio.models import Project
from backbeat.studio.service.versions import (
    HistoryRules,
    NewVersion,
    commit_version,
    document_at,
    first_version,
)
from backbeat.studio.session_script import editing_session, project_document
from bench.support import free_port, migrated_database, ratio_line, wait_until_up
from bench.wrk import SERVER_CORE, cpu_seconds, parse_wrk, pinned, pinning_note, wrk_binary

SAVES = 1000
SECONDS = float(os.environ.get("BENCH_STUDIO_SECONDS", "5"))
CONNECTIONS = 8
SOCKETS = 50
PINGS = 40
BIN = Path(sys.executable).parent
RULES = HistoryRules(50, 8 * 1024**2, timedelta(minutes=10))
DOCUMENT = {"tracks": 32, "clips": 24, "points": 320}
PASSWORD = "bench-Passw0rd-long!"  # noqa: S105 - a throwaway bench database


def env_for(urls: DatabaseUrls) -> dict[str, str]:
    return {
        "BACKBEAT_DATABASE_URL": urls.owner,
        "BACKBEAT_API_DATABASE_URL": urls.api,
        "BACKBEAT_RUN_WORKER": "false",
        "BACKBEAT_LOG_LEVEL": "WARNING",
        "BACKBEAT_RATE_LIMIT_IP_PER_MINUTE": "100000",
    }


@contextmanager
def server(urls: DatabaseUrls, *, core: int | None = SERVER_CORE) -> Iterator[tuple[str, int]]:
    """`backbeat serve --no-worker`, pinned to the server core; its base URL and pid."""
    port = free_port()
    argv = [str(BIN / "backbeat"), "serve", "--no-worker", "--port", str(port)]
    process = subprocess.Popen(
        pinned(argv, core) if core is not None else argv, env={**os.environ, **env_for(urls)}
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}", timeout=60)
        yield f"127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


# History ------------------------------------------------------------------------------------


async def build_history(urls: DatabaseUrls) -> tuple[uuid.UUID, list[str]]:
    """A 250 KB project saved 1,000 times by the scripted session (the service's own code)."""
    database = Database.connect(urls, pool_size=2)
    project_id, user_id = uuid.uuid4(), uuid.uuid4()
    document = project_document(**DOCUMENT)
    async with session_scope(database) as session:
        await session.execute(
            text("insert into identity_users (id, username) values (:u, 'bench')"), {"u": user_id}
        )
        project = Project(
            id=project_id,
            owner_id=user_id,
            name="Bench",
            document=document,
            version=1,
            document_bytes=len(json.dumps(document)),
        )
        session.add(project)
        await session.flush()
        session.add(first_version(project, user_id, project.document_bytes))
        for patch, after in editing_session(document, SAVES):
            await commit_version(session, project, NewVersion(after, user_id, patch=patch), RULES)
    lines = await history_lines(database, project_id)
    await database.dispose()
    return project_id, lines


SIZES = """select sum(pg_column_size(patch)) + sum(coalesce(pg_column_size(checkpoint), 0)),
  sum(patch_bytes) + sum(case when checkpoint is not null then size_bytes else 0 end),
  (select pg_column_size(document) from studio_projects where id = :p),
  avg(size_bytes), count(*) filter (where version > 1)
from studio_project_versions where project_id = :p"""


async def history_lines(database: Database, project_id: uuid.UUID) -> list[str]:
    async with session_scope(database) as session:
        row = (await session.execute(text(SIZES), {"p": project_id})).one()
        stored, text_bytes, head_stored, average, saves = row
        rebuilds = [
            await rebuild_ms(session, project_id, v) for v in (1, SAVES // 2, SAVES // 2 + 49)
        ]
    full_stored, full_text = int(head_stored) * saves, int(average) * saves
    return [
        f"document ~{int(average) / 1024:.0f} KB of JSON ({int(head_stored) / 1024:.0f} KB stored, "
        f"TOAST-compressed); {saves} saves; a checkpoint every {RULES.checkpoint_every}",
        f"history stored {int(stored) / 1024**2:8.2f} MB   vs {saves} full copies "
        f"{full_stored / 1024**2:8.2f} MB stored  -> {full_stored / int(stored):5.1f}x smaller",
        f"history JSON   {int(text_bytes) / 1024**2:8.2f} MB   vs {saves} full copies "
        f"{full_text / 1024**2:8.2f} MB of JSON    -> {full_text / int(text_bytes):5.1f}x smaller",
        ratio_line("full copies / history (stored)", full_stored, int(stored), 20),
        f"rebuild version 1 (oldest, a checkpoint): {rebuilds[0]:7.1f} ms",
        f"rebuild version {SAVES // 2} (middle, a checkpoint): {rebuilds[1]:7.1f} ms",
        f"rebuild version {SAVES // 2 + 49} (49 patches after its checkpoint): "
        f"{rebuilds[2]:7.1f} ms",
    ]


async def rebuild_ms(session: Any, project_id: uuid.UUID, version: int) -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        await document_at(session, project_id, version)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


# PATCH throughput ---------------------------------------------------------------------------

LUA = """
local free = {}
local paths = {}
local bases = {}
%(projects)s
local verified = false
math.randomseed(7)
request = function()
  if not verified then  -- wrk calls request() once to verify it, and never sends that one
    verified = true
    return wrk.format("GET", "/healthz")
  end
  local id = table.remove(free)
  local track = math.random(0, 31)
  local body = '[{"op":"replace","path":"/tracks/' .. track .. '/volume","value":' ..
    string.format("%%.3f", math.random()) .. '}]'
  return wrk.format("PATCH", "/v1/projects/" .. id .. "?base=" .. bases[id],
    {["Authorization"] = "Bearer %(token)s",
     ["Content-Type"] = "application/json-patch+json"}, body)
end
response = function(status, headers, body)
  local id = string.match(body, '"id":"([^"]+)"')
  local version = string.match(body, '"version":(%%d+)')
  if id and version then
    bases[id] = version
    table.insert(free, id)
  end
end
"""


def signup(base: str) -> str:
    body = {"email": "bench@example.com", "username": "bench_saver", "password": PASSWORD}
    response = httpx.post(f"http://{base}/v1/auth/signup", json=body, timeout=30)
    response.raise_for_status()
    return str(response.json()["access_token"])


def make_projects(base: str, token: str, count: int) -> list[str]:
    document = project_document(**DOCUMENT)
    auth = {"Authorization": f"Bearer {token}"}
    made = []
    for n in range(count):
        body = {"name": f"Bench {n}", "document": document}
        response = httpx.post(f"http://{base}/v1/projects", json=body, headers=auth, timeout=60)
        response.raise_for_status()
        made.append(str(response.json()["id"]))
    return made


def heads(base: str, token: str, projects: list[str]) -> dict[str, int]:
    auth = {"Authorization": f"Bearer {token}"}
    found = {}
    for project in projects:
        response = httpx.get(f"http://{base}/v1/projects/{project}/versions?limit=1", headers=auth)
        found[project] = int(response.json()["head"])
    return found


def wrk_patches(base: str, token: str, projects: list[str], pid: int, seconds: float) -> Any:
    """Each connection saves on the head of a project no other connection holds (a free list
    the Lua script keeps from the responses), so every save is a real, unconflicted one."""
    versions = heads(base, token, projects)
    setup = "\n".join(f'table.insert(free, "{p}"); bases["{p}"] = {v}' for p, v in versions.items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % {"projects": setup, "token": token})
    argv = [wrk_binary(), "-t1", f"-c{len(projects)}", f"-d{max(1, round(seconds))}s", "--latency"]
    argv += ["-s", script.name, f"http://{base}"]
    try:
        before = cpu_seconds(pid)
        output = subprocess.run(pinned(argv, 0), capture_output=True, text=True, check=True).stdout
        return parse_wrk(output, cpu_seconds(pid) - before)
    finally:
        Path(script.name).unlink()


async def raw_updates(uri: str, projects: list[str], seconds: float) -> dict[str, float]:
    """The baseline: `update … set document = $1` of the whole document, one row per worker."""
    document = Jsonb(project_document(**DOCUMENT))
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker(project: str) -> None:
        async with await psycopg.AsyncConnection.connect(uri, autocommit=True) as conn:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                await conn.execute(
                    "update studio_projects set document = %s, version = version + 1 where id = %s",
                    (document, project),
                )
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker(p) for p in projects))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "per_second": len(latencies) / elapsed,
        "p50_ms": ordered[len(ordered) // 2] * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99)] * 1000,
    }


def raw_baseline(urls: DatabaseUrls, projects: list[str]) -> dict[str, float]:
    argv = [sys.executable, "-m", "bench.studio", "raw", urls.owner, str(SECONDS), *projects]
    done = subprocess.run(pinned(argv, SERVER_CORE), capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout)
    return result


def throughput_lines(urls: DatabaseUrls) -> list[str]:
    with server(urls) as (base, pid):
        token = signup(base)
        projects = make_projects(base, token, CONNECTIONS * 2)
        ours_projects, raw_projects = projects[:CONNECTIONS], projects[CONNECTIONS:]
        wrk_patches(base, token, ours_projects, pid, 1.0)  # warm-up
        ours = wrk_patches(base, token, ours_projects, pid, SECONDS)
    floor = raw_baseline(urls, raw_projects)
    return [
        f"PATCH saves: wrk 1 thread, {CONNECTIONS} connections (one project each), {SECONDS:.0f} s",
        ours.line("PATCH /v1/projects/{id}?base=N (250 KB)"),
        f"{'  raw psycopg UPDATE of the document':<44} {floor['per_second']:8.0f} q/s     "
        f"p50 {floor['p50_ms']:6.2f} ms   p99 {floor['p99_ms']:6.2f} ms",
        "  "
        + ratio_line(
            "PATCH through the API / raw UPDATE", ours.per_second, floor["per_second"], 0.3
        ),
    ]


# Presence fan-out ---------------------------------------------------------------------------


async def join(address: str, project: str, token: str, device: str) -> ClientConnection:
    socket = await connect(f"ws://{address}/v1/projects/{project}/live", max_queue=None)
    await socket.send(json.dumps({"type": "hello", "token": token, "device_id": device}))
    while json.loads(await socket.recv())["type"] != "welcome":
        pass
    return socket


async def fan_out(addresses: list[str], token: str, project: str) -> list[float]:
    """Each ping: one device sends presence stamped with the time; every other device's arrival."""
    sockets = [await join(addresses[n % 2], project, token, f"device-{n}") for n in range(SOCKETS)]
    await asyncio.sleep(1.0)
    arrivals: list[float] = []

    async def listen(socket: ClientConnection) -> None:
        async for received in socket:
            message = json.loads(received)
            stamp = (message.get("view_state") or {}).get("sent")
            if message.get("type") == "presence" and stamp:
                arrivals.append((time.time() - stamp) * 1000)

    listeners = [asyncio.create_task(listen(s)) for s in sockets]
    for ping in range(PINGS):
        sender = sockets[ping % SOCKETS]
        await sender.send(
            json.dumps({"type": "presence", "cursor": ping, "view_state": {"sent": time.time()}})
        )
        await asyncio.sleep(0.15)
    await asyncio.sleep(1.0)
    for task in listeners:
        task.cancel()
    for socket in sockets:
        await socket.close()
    return arrivals


def presence_lines(urls: DatabaseUrls) -> list[str]:
    with (
        server(urls, core=SERVER_CORE) as (first, _),
        server(urls, core=SERVER_CORE) as (second, _),
    ):
        body = {"email": "fan@example.com", "username": "bench_fan", "password": PASSWORD}
        token = httpx.post(f"http://{first}/v1/auth/signup", json=body, timeout=30).json()[
            "access_token"
        ]
        created = httpx.post(
            f"http://{first}/v1/projects",
            json={"name": "Fan-out", "document": {}},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        arrivals = sorted(asyncio.run(fan_out([first, second], token, created.json()["id"])))
    expected = PINGS * (SOCKETS - 1)
    p50, p99 = arrivals[len(arrivals) // 2], arrivals[int(len(arrivals) * 0.99)]
    return [
        f"presence fan-out: {SOCKETS} sockets on 2 server processes (both on core {SERVER_CORE}), "
        f"{PINGS} presence messages, PostgreSQL LISTEN/NOTIFY broker",
        f"  delivered {len(arrivals)}/{expected}   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms",
    ]


def run() -> list[str]:
    lines = [pinning_note()]
    with migrated_database("backbeat_bench_studio") as urls:
        _, history = asyncio.run(build_history(urls))
        lines += history
        lines += throughput_lines(urls)
        lines += presence_lines(urls)
    return lines


if __name__ == "__main__" and sys.argv[1:2] == ["raw"]:
    uri, seconds, *ids = sys.argv[2:]
    print(json.dumps(asyncio.run(raw_updates(uri, ids, float(seconds)))))
