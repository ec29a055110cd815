"""The recall monitor: HNSW against exact search, stored, on the gauge, printed by the CLI."""

from __future__ import annotations

import numpy as np
import psycopg
from prometheus_client import generate_latest
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from backbeat.cli import app
from backbeat.embedded import DatabaseUrls
from backbeat.observability import Metrics
from backbeat.taste.service import embeddings, recall
from tests.cli_env import env_for
from tests.rls import make_user
from tests.taste.worlds import around, small_model, track_with_vector


class TestMonitor:
    async def test_measures_records_and_exports(self, session: AsyncSession) -> None:
        owner = await make_user(session, "recall_owner")
        model = await small_model(session, "recall-four")
        rng = np.random.default_rng(4)
        for i in range(40):
            await track_with_vector(session, owner, model, around(i % 4, 4, 0.5, rng))
        results = await recall.monitor(session, queries=10)
        mine = [r for r in results if r.model == "recall-four"]
        stored = [r for r in await recall.latest(session) if r.model == "recall-four"]
        exported = generate_latest(Metrics().registry).decode()
        assert len(mine) == 1 and mine[0].queries == 10 and mine[0].recall_at_10 >= 0.9
        assert stored[0].recall_at_10 == mine[0].recall_at_10
        assert 'backbeat_taste_recall_at_10{model="recall-four"}' in exported

    async def test_models_without_vectors_are_not_measured(self, session: AsyncSession) -> None:
        await small_model(session, "recall-empty")
        assert "recall-empty" not in {r.model for r in await recall.monitor(session, queries=3)}
        assert await embeddings.get_model(session, "recall-empty")


def test_the_cli_prints_recall(committed_urls: DatabaseUrls) -> None:
    with psycopg.connect(committed_urls.owner, autocommit=True) as conn:
        user = conn.execute(
            "insert into identity_users (id, username) values (gen_random_uuid(), 'recall_cli') "
            "returning id"
        ).fetchone()
        assert user is not None
        model = conn.execute(
            "select id from taste_embedding_models where name = 'backbeat-audio-v1'"
        ).fetchone()
        assert model is not None
        for i in range(12):
            track = conn.execute(
                "insert into catalog_tracks (id, title, artist, sample_type, created_by) "
                "values (gen_random_uuid(), %s, 'a', 'beats', %s) returning id",
                (f"t{i}", user[0]),
            ).fetchone()
            assert track is not None
            vector = embeddings.vector_text(
                embeddings.normalised(np.arange(64, dtype=np.float64) % (i + 2) + 1.0)
            )
            conn.execute(
                "insert into taste_track_embeddings (model_id, track_id, dimension, embedding) "
                "values (%s, %s, 64, %s::vector)",
                (model[0], track[0], vector),
            )
    result = CliRunner().invoke(
        app, ["taste", "recall", "--queries", "5"], env=env_for(committed_urls)
    )
    assert result.exit_code == 0, result.output
    assert "backbeat-audio-v1" in result.output and "1.000" in result.output
