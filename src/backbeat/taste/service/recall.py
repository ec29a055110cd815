"""The recall monitor: how many of the exact 10 nearest neighbours each model's HNSW index finds.

A sample of the model's own vectors is queried twice, through the index (`taste_nearest`, the
path recommendations take, with the same ef_search) and by an exact scan; recall@10 is the share
of the exact answers the index returned. The latest answer per model is kept in `taste_recall`
and set on the `backbeat_taste_recall_at_10{model}` gauge of the process that measured it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import Gauge
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat import observability
from backbeat.taste.models import EmbeddingModel
from backbeat.taste.service.embeddings import list_models

K = 10
FETCH = 40
"""What a k=10 recommendation asks the index for first (4k); taste_nearest raises ef_search to
at least 100."""
EF_SEARCH = 100

RECALL_GAUGE = Gauge(
    "backbeat_taste_recall_at_10",
    "Share of the exact 10 nearest neighbours the model's HNSW index returns (sampled).",
    ["model"],
    registry=None,
)
observability.export(RECALL_GAUGE)


@dataclass(frozen=True)
class Recall:
    """One model's measurement."""

    model: str
    recall_at_10: float
    queries: int
    ef_search: int
    measured_at: datetime | None = None


SAMPLE = text(
    "select embedding::text from taste_track_embeddings where model_id = :model "
    "order by random() limit :n"
)
APPROXIMATE = text(
    "select track_id from taste_nearest(:model, cast(:q as vector), :fetch) limit :k"
)
EXACT = text(
    "select track_id from taste_track_embeddings where model_id = :model "
    "order by embedding <=> cast(:q as vector) limit :k"
)


async def measure(session: AsyncSession, model: EmbeddingModel, *, queries: int) -> Recall:
    """Sample up to `queries` vectors of the model and compare the index with exact search."""
    sample = list(await session.scalars(SAMPLE, {"model": model.id, "n": queries}))
    found = wanted = 0
    for query in sample:
        args = {"model": model.id, "q": query, "k": K, "fetch": FETCH}
        approximate = set(await session.scalars(APPROXIMATE, args))
        exact = set(await session.scalars(EXACT, args))
        found += len(approximate & exact)
        wanted += len(exact)
    recall = found / wanted if wanted else 1.0
    return Recall(model.name, recall, len(sample), EF_SEARCH)


async def record(session: AsyncSession, model_id: uuid.UUID, result: Recall) -> None:
    """Keep the latest measurement and set the gauge."""
    await session.execute(
        text(
            "insert into taste_recall (model_id, recall_at_10, queries, ef_search) "
            "values (:model, :recall, :queries, :ef) on conflict (model_id) do update set "
            "recall_at_10 = excluded.recall_at_10, queries = excluded.queries, "
            "ef_search = excluded.ef_search, measured_at = now()"
        ),
        {
            "model": model_id,
            "recall": result.recall_at_10,
            "queries": result.queries,
            "ef": result.ef_search,
        },
    )
    RECALL_GAUGE.labels(result.model).set(result.recall_at_10)


async def monitor(session: AsyncSession, *, queries: int) -> list[Recall]:
    """Measure and record every model that has vectors."""
    results = []
    for model in await list_models(session):
        result = await measure(session, model, queries=queries)
        if result.queries:
            await record(session, model.id, result)
            results.append(result)
    return results


async def latest(session: AsyncSession) -> Sequence[Recall]:
    """The stored measurements, by model name."""
    rows = await session.execute(
        text(
            "select m.name, r.recall_at_10, r.queries, r.ef_search, r.measured_at "
            "from taste_recall r join taste_embedding_models m on m.id = r.model_id order by 1"
        )
    )
    return [Recall(*row) for row in rows]
