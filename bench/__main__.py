"""`python -m bench NAME`: run a benchmark; each prints a ratio against a same-run baseline."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"support", "__main__", "wrk", "baselines", "taste_data"}


def available() -> list[str]:
    """Every module in bench/ with a run() function."""
    names = [m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name not in NOT_BENCHMARKS]
    return sorted(names)


def run_one(name: str) -> None:
    """Import bench.NAME and print what its run() returns."""
    module = importlib.import_module(f"bench.{name}")
    started = time.perf_counter()
    print(f"== {name}", flush=True)
    for line in module.run():
        print(line, flush=True)
    print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)


def main(argv: list[str]) -> int:
    """Run the named benchmarks (`all` for every one)."""
    names = available()
    wanted = names if argv == ["all"] else argv
    unknown = [n for n in wanted if n not in names]
    if not wanted or unknown:
        print(f"usage: python -m bench NAME|all   (NAME one of: {', '.join(names)})")
        return 2
    for name in wanted:
        run_one(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
