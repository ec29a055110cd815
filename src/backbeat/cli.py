"""The `backbeat` command: serve, worker, database, demo data and jobs."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import Awaitable, Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
import uvicorn
from alembic import command
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import text

from backbeat import __version__, jobs
from backbeat.catalog import service as catalog
from backbeat.catalog.errors import ImportRefused
from backbeat.catalog.schemas import ImportReport
from backbeat.config import Settings
from backbeat.db import Database, session_scope
from backbeat.demo import load_demo, loaders
from backbeat.embedded import DatabaseUrls, resolve_urls
from backbeat.errors import AppError, NotFound
from backbeat.health import alembic_config
from backbeat.identity.service import accounts
from backbeat.listening.cli import import_listens
from backbeat.observability import configure_logging
from backbeat.royalties.cli import royalties_app
from backbeat.taste.cli import taste_app

app = typer.Typer(help="Backbeat: a backend for music creator platforms.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
jobs_app = typer.Typer(help="Background jobs.", no_args_is_help=True)
import_app = typer.Typer(help="Import data.", no_args_is_help=True)
users_app = typer.Typer(help="Accounts (bootstrap admins here).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(jobs_app, name="jobs")
app.add_typer(royalties_app, name="royalties")
app.add_typer(taste_app, name="taste")
app.add_typer(import_app, name="import")
import_app.command("listens")(import_listens)
app.add_typer(users_app, name="users")
console = Console()
T = TypeVar("T")


def settings_and_urls() -> tuple[Settings, DatabaseUrls]:
    """Settings from the environment and the database they point at (starting it if embedded)."""
    settings = Settings()
    configure_logging(settings.log_format, "WARNING")
    return settings, resolve_urls(settings)


def with_database(urls: DatabaseUrls, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run async work against the database, disposing connections afterwards."""

    async def run() -> T:
        database = Database.connect(urls, pool_size=2)
        try:
            return await work(database)
        finally:
            await database.dispose()

    return asyncio.run(run())


def upgrade(urls: DatabaseUrls) -> None:
    """Apply every migration (idempotent)."""
    command.upgrade(alembic_config(urls.owner), "head")


def port_is_free(host: str, port: int) -> bool:
    """Whether we can bind the port, so a second `make run` gets a message, not a traceback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def print_demo(settings: Settings, urls: DatabaseUrls) -> None:
    """Load the demo data and show what each domain added."""

    async def work(database: Database) -> list[tuple[str, list[str]]]:
        with Progress(console=console, transient=True) as progress:
            bar = progress.add_task("Loading demo data", total=len(loaders(settings)))
            async with session_scope(database) as session:
                return await load_demo(session, settings, lambda _: progress.advance(bar))

    for name, lines in with_database(urls, work):
        console.print(f"[bold]{name}[/bold]")
        for line in lines:
            console.print(f"  {line}")


def exit_on_sigterm(signum: int, frame: object) -> None:
    """Uvicorn re-raises SIGTERM after shutdown: exit normally so the embedded server stops."""
    raise SystemExit(128 + signum)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind.")] = None,
    workers: Annotated[int | None, typer.Option(help="API processes.")] = None,
    worker: Annotated[bool, typer.Option(help="Run a job worker in each API process.")] = True,
    demo: Annotated[bool, typer.Option(help="Load the demo data first (idempotent).")] = False,
) -> None:
    """Migrate, optionally load demo data, and serve the API (docs at /docs)."""
    settings, urls = settings_and_urls()
    host, port = host or settings.host, port or settings.port
    if not port_is_free(host, port):
        console.print(
            f"[red]Port {port} on {host} is already in use.[/red] "
            "Stop the other server or choose another: backbeat serve --port 8001"
        )
        raise typer.Exit(code=1)
    upgrade(urls)
    if demo:
        print_demo(settings, urls)
    os.environ["BACKBEAT_DATABASE_URL"] = urls.owner
    os.environ["BACKBEAT_API_DATABASE_URL"] = urls.api
    os.environ["BACKBEAT_RUN_WORKER"] = "true" if worker else "false"
    configure_logging(settings.log_format, settings.log_level)
    console.print(f"Backbeat {__version__} on http://{host}:{port}  (API docs: /docs)")
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    uvicorn.run(
        "backbeat.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers or settings.workers,
        log_config=None,
        access_log=settings.access_log,
    )


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs run at once.")] = 4,
) -> None:
    """Run background jobs until interrupted (as many of these as you like)."""
    settings, urls = settings_and_urls()
    configure_logging(settings.log_format, settings.log_level)
    console.print("Worker running; Ctrl-C to stop.")
    try:
        with_database(
            urls,
            lambda database: jobs.run_worker(database, concurrency=concurrency, settings=settings),
        )
    except KeyboardInterrupt:
        console.print("Worker stopped.")


@app.command()
def version() -> None:
    """Print Backbeat's version."""
    console.print(__version__)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    _, urls = settings_and_urls()
    upgrade(urls)
    console.print("Database is at the latest revision.")


@db_app.command("current")
def db_current() -> None:
    """Show the database's schema revision."""
    _, urls = settings_and_urls()

    async def work(database: Database) -> str | None:
        async with session_scope(database) as session:
            exists = await session.scalar(text("select to_regclass('public.alembic_version')"))
            if exists is None:
                return None
            revision = await session.scalar(text("select version_num from alembic_version"))
            return str(revision) if revision is not None else None

    revision = with_database(urls, work)
    console.print(revision or "(empty database: run `backbeat db upgrade`)")


@db_app.command("reset")
def db_reset(
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: every row is deleted.")] = False,
) -> None:
    """Drop every table and migrate from scratch (development only)."""
    settings, urls = settings_and_urls()
    if not settings.is_development:
        console.print("[red]db reset is refused outside development.[/red]")
        raise typer.Exit(code=1)
    if not yes:
        console.print("This deletes every row. Run again with --yes to confirm.")
        raise typer.Exit(code=1)

    async def work(database: Database) -> None:
        async with session_scope(database) as session:
            await session.execute(text("drop schema if exists auth cascade"))
            await session.execute(text("drop schema public cascade"))
            await session.execute(text("create schema public"))

    with_database(urls, work)
    upgrade(urls)
    console.print("Database reset to an empty schema at the latest revision.")


@demo_app.command("load")
def demo_load() -> None:
    """Load the demo data (safe to run again: nothing is duplicated)."""
    settings, urls = settings_and_urls()
    upgrade(urls)
    print_demo(settings, urls)


@jobs_app.command("list")
def jobs_list(
    status: Annotated[str | None, typer.Option(help="todo, doing, succeeded, failed, …")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """Show recent background jobs."""
    _, urls = settings_and_urls()

    async def work(database: Database) -> list[jobs.JobRow]:
        async with session_scope(database) as session:
            return await jobs.list_jobs(session, status=status, limit=limit)

    table = Table("id", "task", "status", "attempts", "key", "scheduled")
    for row in with_database(urls, work):
        table.add_row(
            str(row.id),
            row.task_name,
            row.status,
            str(row.attempts),
            row.queueing_lock or "",
            str(row.scheduled_at or ""),
        )
    console.print(table)


@import_app.command("tracks")
def import_tracks(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV, seed layout.")],
    as_user: Annotated[str, typer.Option("--as", help="Username that will own the tracks.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row, import none.")] = (
        False
    ),
) -> None:
    """Import tracks from a CSV: all rows in one transaction, or none; safe to run again."""
    settings, urls = settings_and_urls()
    upgrade(urls)
    csv_text = file.read_text(encoding="utf-8")
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("Importing", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        async def work(database: Database) -> ImportReport:
            async with session_scope(database) as session:
                owner = await session.scalar(
                    text("select id from identity_users where lower(username) = lower(:u)"),
                    {"u": as_user},
                )
                if owner is None:
                    raise NotFound(f"No user {as_user!r}")
                return await catalog.import_tracks(
                    session,
                    csv_text,
                    actor=owner,
                    dry_run=dry_run,
                    max_rows=settings.import_max_rows,
                    progress=advance,
                )

        try:
            report = with_database(urls, work)
        except (ImportRefused, NotFound) as exc:
            report = None
            failure = exc
    if report is None:
        console.print(f"[red]{failure.detail}[/red]")
        for error in failure.extra.get("errors", []):
            console.print(f"  line {error['line']}: {error['reason']}")
        raise typer.Exit(code=1)
    print_import_report(report)


def print_import_report(report: ImportReport) -> None:
    """What an import did, and every bad row."""
    verb = "would create" if report.dry_run else "created"
    console.print(f"{report.rows} rows: {verb} {report.created}, skipped {report.skipped} existing")
    for error in report.errors:
        console.print(f"  [red]line {error.line}[/red]: {error.reason}")
    if report.errors:
        raise typer.Exit(code=1)


class RoleChoice(StrEnum):
    listener = "listener"
    artist = "artist"
    admin = "admin"


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="The account's email.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    role: Annotated[RoleChoice, typer.Option(help="listener, artist or admin.")] = (
        RoleChoice.listener
    ),
    username: Annotated[str | None, typer.Option(help="Default: from the email.")] = None,
) -> None:
    """Create an account (the way to bootstrap the first admin)."""
    _, urls = settings_and_urls()
    upgrade(urls)
    roles = ["listener", "admin"] if role is RoleChoice.admin else [role.value]

    async def work(database: Database) -> str:
        async with session_scope(database) as session:
            user = await accounts.create_user(
                session,
                email=email.strip().lower(),
                username=username or accounts.username_from_email(email),
                password=password,
                roles=roles,
            )
            return f"Created {user.username} <{user.email}> with roles {', '.join(user.roles)}."

    try:
        console.print(with_database(urls, work))
    except AppError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(code=1) from None


@users_app.command("list")
def users_list(limit: Annotated[int, typer.Option(min=1, max=10000)] = 100) -> None:
    """Show accounts, oldest first."""
    _, urls = settings_and_urls()

    async def work(database: Database) -> list[tuple[str, ...]]:
        async with session_scope(database) as session:
            users = await accounts.list_users(session, limit=limit)
            return [
                (u.username, u.email or "-", ",".join(u.roles), f"{u.created_at:%Y-%m-%d}")
                for u in users
            ]

    table = Table("username", "email", "roles", "created")
    for column in table.columns:
        column.no_wrap = True
    for row in with_database(urls, work):
        table.add_row(*row)
    console.print(table)


def main() -> None:
    """Console-script entry point."""
    app()
