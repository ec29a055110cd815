"""`backbeat royalties …`: distribute with a progress bar, verify the ledger, import revenue."""

from __future__ import annotations

import asyncio
import csv
import json
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import text

from backbeat.config import Settings
from backbeat.db import Database, session_scope
from backbeat.embedded import resolve_urls
from backbeat.royalties import service, tasks
from backbeat.royalties.schemas import read_event
from backbeat.royalties.verify import Report, verify

royalties_app = typer.Typer(help="Royalties: distribution, verification, revenue import.")
console = Console()
T = TypeVar("T")
IMPORT_CHUNK = 1000


def _run(work: Callable[[Database, Settings], Awaitable[T]]) -> T:
    settings = Settings()

    async def run() -> T:
        database = Database.connect(resolve_urls(settings), pool_size=2)
        try:
            return await work(database, settings)
        finally:
            await database.dispose()

    return asyncio.run(run())


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )


@royalties_app.command("distribute")
def distribute(
    batch_size: Annotated[int | None, typer.Option(min=1, max=100_000)] = None,
) -> None:
    """Allocate every accepted revenue event now (restating first), with a progress bar."""

    async def work(database: Database, settings: Settings) -> int:
        waiting = await tasks.pending_events(database)
        with _progress() as progress:
            bar = progress.add_task("distributing", total=waiting)
            return await tasks.distribute(
                database,
                settings,
                batch_size=batch_size,
                progress=lambda done: progress.advance(bar, done),
            )

    console.print(f"allocated {_run(work)} events")


@royalties_app.command("verify")
def verify_command() -> None:
    """Prove the ledger: balances = sum of legs, transfers balance, receipts recompute."""

    async def work(database: Database, settings: Settings) -> Report:
        async with session_scope(database) as session:
            await session.execute(text("set transaction isolation level repeatable read"))
            with _progress() as progress:
                bar = progress.add_task("receipts", total=None)
                return await verify(session, lambda n: progress.advance(bar, n))

    report = _run(work)
    console.print(
        f"{report.accounts} accounts, {report.transfers} transfers, {report.receipts} receipts"
    )
    for problem in report.problems[:50]:
        console.print(f"[red]{problem}")
    if not report.ok:
        raise typer.Exit(1)
    console.print("[green]ledger verified")


def read_events(path: Path) -> Iterator[dict[str, Any]]:
    """CSV with a header row (empty cells are absent), or JSON lines (one object a line)."""
    with path.open(newline="") as handle:
        if path.suffix.lower() == ".csv":
            for row in csv.DictReader(handle):
                yield {key: value for key, value in row.items() if value not in ("", None)}
        else:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


@royalties_app.command("import")
def import_revenue(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    submitter: Annotated[str, typer.Option(help="Whose idempotency keys these are.")] = "cli",
) -> None:
    """Import revenue events from CSV or JSON lines; each event is accepted or refused."""

    async def work(database: Database, settings: Settings) -> Counter[str]:
        counts: Counter[str] = Counter()
        chunk: list[dict[str, Any]] = []
        offset = 0
        for raw in [*read_events(path), None]:
            if raw is not None:
                chunk.append(raw)
            if chunk and (raw is None or len(chunk) >= IMPORT_CHUNK):
                async with session_scope(database) as session:
                    outcomes = await service.import_revenue(
                        session,
                        [read_event(raw) for raw in chunk],
                        submitter=submitter,
                        assets=settings.royalty_assets,
                    )
                for result in (outcome.result for outcome in outcomes):
                    counts[result.status] += 1
                    if result.status == "rejected":
                        where = offset + result.index + 1
                        console.print(f"event {where}: {result.code}: {result.detail}")
                offset += len(chunk)
                chunk = []
        return counts

    counts = _run(work)
    console.print(", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing")
