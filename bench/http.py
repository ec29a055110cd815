"""`python -m bench http`: hot reads through the API against the same SQL, with wrk.

Demo data, `backbeat serve --no-worker` pinned to one core, wrk (1 thread, 16 connections)
pinned to the other. Each endpoint is compared, in the same run, with (a) the same message over
raw psycopg from a process pinned to the server's core (the database floor) and (b) a bare
FastAPI endpoint running that message on a psycopg pool under the same uvicorn settings.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import psycopg

from backbeat.catalog.service.lineage import LINEAGE_READS
from backbeat.catalog.service.search import SearchQuery, build_read
from backbeat.catalog.service.track_json import TRACK_READ
from backbeat.db import ANONYMOUS, Claims
from backbeat.embedded import DatabaseUrls
from backbeat.identity.auth import Caller
from backbeat.identity.demo import DEMO_USERS
from backbeat.identity.service.account_json import ME_READ, PUBLIC_PROFILE_READ
from backbeat.reads import Read, prelude_params
from backbeat.royalties.service.ledger import MY_BALANCES_READ
from bench.baselines import SPEC_ENV
from bench.support import free_port, migrated_database, ratio_line, wait_until_up
from bench.wrk import SERVER_CORE, WrkResult, pinned, pinning_note, run_wrk

SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", "5"))
CONNECTIONS = 16
BIN = Path(sys.executable).parent
DEMO_PASSWORD = next(u[3] for u in DEMO_USERS if u[0] == "nova")


@dataclass(frozen=True)
class Endpoint:
    """One hot read: its API path, the caller, and the SQL message it sends (None: no SQL)."""

    name: str
    path: str
    bearer: bool
    read: Read | None
    params: dict[str, Any]


def serve(argv: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """A server process pinned to the server core, up and answering /healthz."""
    process = subprocess.Popen(pinned(argv, SERVER_CORE), env={**os.environ, **env})
    prefix = "/bare" if "bench.baselines:bare_app" in argv else ""
    try:
        wait_until_up(f"http://127.0.0.1:{port}", prefix, timeout=60)
    except RuntimeError:
        process.kill()
        raise
    return process


@contextlib.contextmanager
def running(process: subprocess.Popen[bytes]) -> Iterator[int]:
    try:
        yield process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


def database_env(urls: DatabaseUrls) -> dict[str, str]:
    return {
        "BACKBEAT_DATABASE_URL": urls.owner,
        "BACKBEAT_API_DATABASE_URL": urls.api,
        "BACKBEAT_RUN_WORKER": "false",
        "BACKBEAT_LOG_LEVEL": "WARNING",
    }


def load_demo(urls: DatabaseUrls) -> None:
    subprocess.run(
        [str(BIN / "backbeat"), "demo", "load"],
        env={**os.environ, **database_env(urls)},
        check=True,
        capture_output=True,
    )


def sample_rows(urls: DatabaseUrls) -> dict[str, Any]:
    """A public remix with a parent, and demo user nova."""
    with psycopg.connect(urls.owner) as conn:
        track = conn.execute(
            "select e.child_id from catalog_lineage_edges e join catalog_tracks t "
            "on t.id = e.child_id where t.visibility = 'public' order by t.created_at limit 1"
        ).fetchone()
        user = conn.execute("select id from identity_users where username = 'nova'").fetchone()
    assert track is not None and user is not None, "the demo data is missing"
    return {"track": track[0], "user": user[0]}


def sign_in(base: str) -> tuple[str, Claims]:
    """Nova's access token, and the claims the API derives from it (the same Caller)."""
    body = {"grant_type": "password", "email": "nova@demo.backbeat.local"}
    body["password"] = DEMO_PASSWORD
    response = httpx.post(f"{base}/v1/auth/token", json=body, timeout=30)
    response.raise_for_status()
    token = str(response.json()["access_token"])
    claims = jwt.decode(token, options={"verify_signature": False})
    caller = Caller(
        user_id=uuid.UUID(claims["sub"]),
        role=claims["role"],
        aal=claims["aal"],
        session_id=uuid.UUID(claims["session_id"]),
        wallet_address=claims.get("wallet_address"),
        scopes=tuple(claims.get("scopes", ())),
        kind="access",
    )
    return token, caller.claims()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def endpoints(rows: dict[str, Any]) -> list[Endpoint]:
    track, user = rows["track"], rows["user"]
    search = build_read(SearchQuery(q="dr", limit=20))
    return [
        Endpoint("GET /healthz", "/healthz", False, None, {}),
        Endpoint(
            "GET /readyz",
            "/readyz",
            False,
            Read("select version_num from alembic_version limit 1"),
            {},
        ),
        Endpoint(
            "GET /v1/tracks/{id} (anonymous)",
            f"/v1/tracks/{track}",
            False,
            TRACK_READ,
            {"id": track},
        ),
        Endpoint(
            "GET /v1/tracks/{id}/lineage",
            f"/v1/tracks/{track}/lineage",
            False,
            LINEAGE_READS["ancestors"],
            {"root": track, "depth": 10},
        ),
        Endpoint("GET /v1/tracks?q=dr", "/v1/tracks?q=dr", False, search[0], search[1]),
        Endpoint(
            "GET /v1/users/nova (anonymous)",
            "/v1/users/nova",
            False,
            PUBLIC_PROFILE_READ,
            {"username": "nova"},
        ),
        Endpoint(
            "GET /v1/me/balances (bearer)", "/v1/me/balances", True, MY_BALANCES_READ, {"me": user}
        ),
        Endpoint("GET /v1/me (bearer)", "/v1/me", True, ME_READ, {}),
    ]


def baseline_spec(urls: DatabaseUrls, claims: Claims, points: list[Endpoint]) -> str:
    reads = {}
    for index, point in enumerate(points):
        if point.read is None:
            continue
        caller = claims if point.bearer else ANONYMOUS
        params = {
            k: str(v) if isinstance(v, uuid.UUID) else v
            for k, v in prelude_params(caller, point.params).items()
        }
        reads[str(index)] = {"sql": point.read.sql, "params": params}
    return json.dumps({"uri": urls.api, "reads": reads})


def raw(spec_json: str, index: int) -> dict[str, float]:
    """Baseline (a): the message over raw psycopg, pinned to the server's core."""
    argv = [
        sys.executable,
        "-m",
        "bench.baselines",
        "raw",
        str(index),
        str(SECONDS),
        str(CONNECTIONS),
    ]
    done = subprocess.run(
        pinned(argv, SERVER_CORE),
        env={**os.environ, SPEC_ENV: spec_json},
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def raw_line(floor: dict[str, float]) -> str:
    return (
        f"{'  raw psycopg, same SQL':<44} {floor['per_second']:8.0f} q/s     "
        f"p50 {floor['p50_ms']:6.2f} ms   p99 {floor['p99_ms']:6.2f} ms   "
        f"{floor['cpu_ms_per_request']:6.3f} ms CPU/q (client side)"
    )


def measure(base: str, path: str, headers: dict[str, str], pid: int) -> WrkResult:
    """One endpoint: a 1 s warm-up, then the measured run with the server's CPU time."""
    run_wrk(base + path, headers=headers, seconds=1.0, connections=CONNECTIONS)
    return run_wrk(
        base + path, headers=headers, seconds=SECONDS, connections=CONNECTIONS, server_pid=pid
    )


ROUNDS = int(os.environ.get("BENCH_HTTP_ROUNDS", "2"))


@dataclass(frozen=True)
class Target:
    """A server under test: where it answers, its pid, and the path and headers per endpoint."""

    base: str
    pid: int
    paths: list[str]
    headers: list[dict[str, str]]


@contextlib.contextmanager
def api_target(urls: DatabaseUrls, points: list[Endpoint]) -> Iterator[tuple[Target, Claims]]:
    """`backbeat serve --no-worker`, pinned to the server core, signed in as demo user nova."""
    port = free_port()
    argv = [str(BIN / "backbeat"), "serve", "--no-worker", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    with running(serve(argv, database_env(urls), port)) as pid:
        token, claims = sign_in(base)
        headers = [_auth(token) if p.bearer else {} for p in points]
        yield Target(base, pid, [p.path for p in points], headers), claims


@contextlib.contextmanager
def bare_target(spec_json: str, points: list[Endpoint]) -> Iterator[Target]:
    """Baseline (b): the same messages in a bare FastAPI app, same uvicorn settings and core."""
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "bench.baselines:bare_app", "--factory"]
    argv += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    paths = ["/healthz" if p.read is None else f"/{i}" for i, p in enumerate(points)]
    with running(serve(argv, {SPEC_ENV: spec_json}, port)) as pid:
        yield Target(f"http://127.0.0.1:{port}/bare", pid, paths, [{} for _ in points])


def run_once(target: Target, index: int) -> WrkResult:
    """One measured run of endpoint `index` against `target`."""
    return measure(target.base, target.paths[index], target.headers[index], target.pid)


def run() -> list[str]:
    """Demo data; each endpoint through the API and the bare app, alternating (best of ROUNDS
    each, so drift in the machine's load hits both alike), and over raw psycopg; ratios."""
    lines = [
        pinning_note(),
        f"wrk: 1 thread, {CONNECTIONS} connections, {SECONDS:.0f} s per run after a 1 s warm-up, "
        f"API and bare app alternating, best of {ROUNDS}; CPU/req = the server process's "
        "utime+stime (/proc) over wrk's request count",
    ]
    ours: list[WrkResult] = []
    with migrated_database("backbeat_bench_http") as urls:
        load_demo(urls)
        points = endpoints(sample_rows(urls))
        with api_target(urls, points) as (api, claims):
            spec_json = baseline_spec(urls, claims, points)
            with bare_target(spec_json, points) as bare:
                for index, point in enumerate(points):
                    mine: list[WrkResult] = []
                    hand: list[WrkResult] = []
                    for _ in range(ROUNDS):
                        mine.append(run_once(api, index))
                        hand.append(run_once(bare, index))
                    floor = raw(spec_json, index) if point.read is not None else None
                    ours.append(best_of(mine))
                    lines += endpoint_lines(point, best_of(mine), best_of(hand), floor)
    me, profile = ours[-1], ours[-3]
    lines.append(
        ratio_line(
            "GET /v1/me (bearer) / anonymous profile", me.per_second, profile.per_second, 0.9
        )
    )
    return lines


def best_of(runs: list[WrkResult]) -> WrkResult:
    return max(runs, key=lambda r: r.per_second)


def endpoint_lines(
    point: Endpoint, mine: WrkResult, hand: WrkResult, floor: dict[str, float] | None
) -> list[str]:
    lines = [mine.line(point.name), hand.line("  bare FastAPI, same SQL")]
    if floor is not None:
        lines.append(raw_line(floor))
    target = 0.5 if point.read is not None else None
    lines.append("  " + ratio_line("vs bare FastAPI", mine.per_second, hand.per_second, target))
    lines.append(f"  p99/p50 {mine.p99_ms / mine.p50_ms:.2f} (target <= 3)")
    return lines
