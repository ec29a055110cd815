"""`backbeat taste …`: the recall monitor, a full recompute of taste vectors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from backbeat.config import Settings
from backbeat.db import Database, session_scope
from backbeat.embedded import resolve_urls
from backbeat.taste import tasks
from backbeat.taste.service import recall

T = TypeVar("T")
taste_app = typer.Typer(
    help="Taste: embeddings, recall of the vector indexes.", no_args_is_help=True
)
console = Console()


def _run(work: Callable[[Database, Settings], Awaitable[T]]) -> T:
    settings = Settings()

    async def run() -> T:
        database = Database.connect(resolve_urls(settings), pool_size=2)
        try:
            return await work(database, settings)
        finally:
            await database.dispose()

    return asyncio.run(run())


@taste_app.command("recall")
def recall_command(
    queries: Annotated[int, typer.Option(min=1, max=1000, help="Sampled queries per model.")] = 50,
) -> None:
    """Measure recall@10 of every model's HNSW index against exact search, and print it."""

    async def work(database: Database, settings: Settings) -> list[recall.Recall]:
        async with session_scope(database) as session:
            return await recall.monitor(session, queries=queries)

    results = _run(work)
    table = Table("model", "recall@10", "queries", "ef_search")
    for result in results:
        table.add_row(
            result.model, f"{result.recall_at_10:.3f}", str(result.queries), str(result.ef_search)
        )
    console.print(table if results else "No model has vectors yet.")


@taste_app.command("recompute")
def recompute_command() -> None:
    """Rebuild every user's taste vectors from their listens, likes, dislikes and profile."""

    async def work(database: Database, settings: Settings) -> int:
        return await tasks.recompute_everyone(
            database, half_life_days=settings.taste_half_life_days
        )

    console.print(f"Recomputed the taste of {_run(work)} users.")
