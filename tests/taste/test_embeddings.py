"""Embedding models, track vectors and the nearest tracks to a vector (k whenever k exist)."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.taste.errors import ModelExists, WrongDimension
from backbeat.taste.service import embeddings
from backbeat.taste.service.embeddings import TrackFilters
from tests.rls import make_user
from tests.taste.worlds import around, small_model, track_with_vector


class TestModels:
    async def test_the_audio_model_is_registered_with_its_index(
        self, session: AsyncSession
    ) -> None:
        model = await embeddings.get_model(session, embeddings.AUDIO_MODEL)
        index = await session.scalar(
            text("select indexdef from pg_indexes where indexname = :n"),
            {"n": "ix_taste_model_" + model.id.hex},
        )
        assert model.dimension == 64
        assert index is not None and "hnsw" in index and "vector(64)" in index

    async def test_a_name_is_registered_once(self, session: AsyncSession) -> None:
        await small_model(session)
        with pytest.raises(ModelExists):
            await small_model(session)


class TestTrackVectors:
    async def test_a_stored_vector_reads_back_normalised(self, session: AsyncSession) -> None:
        owner = await make_user(session, "emb_owner")
        model = await small_model(session)
        track = await track_with_vector(session, owner, model, [3, 4, 0, 0])
        found = await embeddings.track_vector(session, track, model=model.name)
        assert found is not None and np.allclose(found, [0.6, 0.8, 0, 0], atol=1e-6)
        assert await embeddings.track_vector(session, uuid.uuid4(), model=model.name) is None

    async def test_a_wrong_dimension_is_refused(self, session: AsyncSession) -> None:
        owner = await make_user(session, "emb_dim")
        model = await small_model(session)
        track = await track_with_vector(session, owner, model, [1, 0, 0, 0])
        with pytest.raises(WrongDimension):
            await embeddings.put_track_vector(
                session, track, model.name, [1.0, 0.0], may_embed_any=True, actor=owner
            )


class TestNearest:
    async def test_nearest_first_filtered_and_always_k(self, session: AsyncSession) -> None:
        owner = await make_user(session, "nn_owner")
        model = await small_model(session)
        rng = np.random.default_rng(1)
        near = [
            await track_with_vector(session, owner, model, around(0, 4, 0.1, rng), bpm=90)
            for _ in range(30)
        ]
        far = [
            await track_with_vector(session, owner, model, around(2, 4, 0.1, rng), bpm=160)
            for _ in range(5)
        ]
        query = embeddings.normalised([1, 0.05, 0.05, 0.05])
        found = await embeddings.nearest_tracks(session, query, model=model.name, k=10)
        assert len(found) == 10 and set(n.track_id for n in found) <= set(near)
        assert [n.distance for n in found] == sorted(n.distance for n in found)
        fast = await embeddings.nearest_tracks(
            session, query, model=model.name, k=5, filters=TrackFilters(bpm_min=150)
        )
        assert {n.track_id for n in fast} == set(far)  # all five, though 30 are nearer
        assert all(0 <= n.match <= 100 for n in fast)

    async def test_what_a_listener_must_not_get_is_left_out(self, session: AsyncSession) -> None:
        owner, listener = await make_user(session, "nx_owner"), await make_user(session, "nx_l")
        model = await small_model(session)
        mine = await track_with_vector(session, listener, model, [1, 0, 0, 0])
        hidden = await track_with_vector(session, owner, model, [1, 0, 0, 0], visibility="private")
        disliked = await track_with_vector(session, owner, model, [1, 0.01, 0, 0])
        excluded = await track_with_vector(session, owner, model, [1, 0.02, 0, 0])
        kept = await track_with_vector(session, owner, model, [0.5, 0.5, 0, 0])
        await session.execute(
            text("insert into library_dislikes (user_id, track_id) values (:u, :t)"),
            {"u": listener, "t": disliked},
        )
        found = await embeddings.nearest_tracks(
            session,
            embeddings.normalised([1, 0, 0, 0]),
            model=model.name,
            k=10,
            for_user=listener,
            exclude=[excluded],
        )
        assert [n.track_id for n in found] == [kept]
        assert mine and hidden
