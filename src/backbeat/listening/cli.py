"""`backbeat import listens FILE --user … --format …`: a history import with a progress bar."""

from __future__ import annotations

import asyncio
import uuid
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from sqlalchemy import text

from backbeat.config import Settings
from backbeat.db import Database, session_scope
from backbeat.embedded import resolve_urls
from backbeat.listening.service.imports import record_import, run_import

console = Console()


class Format(StrEnum):
    listenbrainz = "listenbrainz"
    spotify = "spotify"


async def import_file(
    database: Database, name: str, body: bytes, username: str, fmt: Format, progress: Progress
) -> tuple[str, list[tuple[str, ...]]]:
    """Record the import (so the API shows it too), run it, and read back what it did."""
    async with session_scope(database) as session:
        user = await session.scalar(
            text("select id from identity_users where lower(username) = lower(:u)"),
            {"u": username},
        )
        if user is None:
            raise typer.BadParameter(f"no user {username!r}", param_hint="--user")
        import_id = await record_import(
            session, fmt.value, name, body, user_id=uuid.UUID(str(user))
        )
    task = progress.add_task(f"Importing {name}", total=None)
    status = await run_import(
        database, import_id, progress=lambda rows: progress.advance(task, rows)
    )
    async with session_scope(database) as session:
        counts = (
            await session.execute(
                text(
                    "select rows_read::text, imported::text, duplicates::text, refused::text, "
                    "skipped::text, coalesce(error, '') from listening_imports where id = :id"
                ),
                {"id": import_id},
            )
        ).one()
        refusals = (
            await session.execute(
                text(
                    "select location, reason from listening_import_refusals "
                    "where import_id = :id order by seq limit 50"
                ),
                {"id": import_id},
            )
        ).all()
    return status, [tuple(counts), *(tuple(r) for r in refusals)]


def import_listens(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Export file or zip.")],
    user: Annotated[str, typer.Option("--user", help="Username the listens belong to.")],
    fmt: Annotated[Format, typer.Option("--format", help="listenbrainz or spotify.")],
) -> None:
    """Import listening history; running it again with the same file adds nothing."""
    settings = Settings()
    body = file.read_bytes()

    async def work() -> tuple[str, list[tuple[str, ...]]]:
        database = Database.connect(resolve_urls(settings), pool_size=2)
        try:
            columns = (SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn())
            with Progress(*columns, console=console, transient=True) as bar:
                return await import_file(database, file.name, body, user, fmt, bar)
        finally:
            await database.dispose()

    status, (counts, *refusals) = asyncio.run(work())
    rows, imported, duplicates, refused, skipped, error = counts
    console.print(
        f"{status}: {rows} rows read, {imported} listens imported, {duplicates} duplicates, "
        f"{refused} refused, skipped {skipped}"
    )
    for location, reason in refusals:
        console.print(f"  refused {location}: {reason}")
    if status != "done":
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(code=1)
