"""HTTP load from `wrk` on its own core, and the server's CPU time per request from /proc."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

LOAD_CORE = 0
SERVER_CORE = 1
INSTALL_HINT = "wrk is not installed: `apt-get install wrk` (Debian/Ubuntu) or `brew install wrk`."
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk_binary() -> str:
    """The wrk executable, or a clear message saying how to get it."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(INSTALL_HINT)
    return found


def pinned(argv: list[str], core: int) -> list[str]:
    """The command run on one core only (taskset), when the machine has more than one."""
    if (os.cpu_count() or 1) < 2 or shutil.which("taskset") is None:
        return argv
    return ["taskset", "-c", str(core), *argv]


def pinning_note() -> str:
    """What the output should say about where each process ran."""
    if (os.cpu_count() or 1) < 2 or shutil.which("taskset") is None:
        return "pinning: none (one core or no taskset): load generator and server share cores"
    return (
        f"pinning: wrk on core {LOAD_CORE}, the server under test on core {SERVER_CORE}, "
        "PostgreSQL unpinned (it shares both)"
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class WrkResult:
    """One wrk run against one URL."""

    requests: int
    per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms_per_request: float | None

    def line(self, label: str) -> str:
        cpu = f"{self.cpu_ms_per_request:6.3f} ms CPU/req" if self.cpu_ms_per_request else ""
        errors = f"   {self.errors} non-2xx/errors" if self.errors else ""
        return (
            f"{label:<44} {self.per_second:8.0f} req/s   p50 {self.p50_ms:6.2f} ms"
            f"   p99 {self.p99_ms:6.2f} ms   {cpu}{errors}"
        )


def lua_for(headers: dict[str, str], paths: list[str] | None = None) -> str:
    """A wrk script sending these headers; with `paths`, each request takes the next one."""
    lines = [f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items()]
    if paths:
        listed = ", ".join(f"[[{path}]]" for path in paths)
        lines += [
            f"local paths = {{{listed}}}",
            "local next_path = 0",
            "request = function()",
            "  next_path = next_path % #paths + 1",
            '  return wrk.format("GET", paths[next_path])',
            "end",
        ]
    return "\n".join(lines) + "\n"


def run_wrk(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    seconds: float = 5.0,
    connections: int = 16,
    server_pid: int | None = None,
    paths: list[str] | None = None,
) -> WrkResult:
    """Drive `url` (or, with `paths`, those paths in turn) with wrk pinned to its own core;
    the CPU per request of `server_pid` if given."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_for(headers or {}, paths))
    try:
        argv = [
            wrk_binary(),
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
        ]
        argv += ["-s", script.name, url]
        before = cpu_seconds(server_pid) if server_pid else 0.0
        output = subprocess.run(
            pinned(argv, LOAD_CORE), capture_output=True, text=True, check=True
        ).stdout
        spent = cpu_seconds(server_pid) - before if server_pid else 0.0
    finally:
        Path(script.name).unlink()
    return parse_wrk(output, spent)


def parse_wrk(output: str, cpu_spent: float) -> WrkResult:
    """Requests, req/s, p50/p99 and errors from wrk's --latency report."""
    requests = int(_search(r"(\d+) requests in", output))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return WrkResult(
        requests=requests,
        per_second=float(_search(r"Requests/sec:\s+([\d.]+)", output)),
        p50_ms=_latency(output, "50%"),
        p99_ms=_latency(output, "99%"),
        errors=errors,
        cpu_ms_per_request=cpu_spent / requests * 1000 if requests and cpu_spent else None,
    )


def _search(pattern: str, output: str) -> str:
    found = re.search(pattern, output)
    if found is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    return found.group(1)


def _latency(output: str, percentile: str) -> float:
    found = re.search(rf"^\s+{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    if found is None:
        raise RuntimeError(f"no {percentile} latency in wrk output:\n{output}")
    return float(found.group(1)) * UNITS[found.group(2)]
