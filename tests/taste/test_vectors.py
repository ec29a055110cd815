"""Taste vectors: triggers queue what users do, folding equals a full recompute, profiles seed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.taste.service import embeddings, vectors
from tests.rls import make_user
from tests.taste.worlds import listen, small_model, track_with_vector

HALF_LIFE = 30.0


async def queued(session: AsyncSession, user: uuid.UUID) -> list[tuple[str, float, bool]]:
    rows = await session.execute(
        text("select kind, weight, retraction from taste_events where user_id = :u order by id"),
        {"u": user},
    )
    return [(str(r.kind), float(r.weight), bool(r.retraction)) for r in rows]


class TestTriggers:
    async def test_listens_likes_and_their_removal_are_queued(self, session: AsyncSession) -> None:
        user, owner = await make_user(session, "tv_user"), await make_user(session, "tv_owner")
        model = await small_model(session)
        track = await track_with_vector(session, owner, model, [1, 0, 0, 0])
        now = datetime.now(UTC)
        await listen(session, user, track, now, ms_played=180_000, duration_ms=200_000)
        await listen(session, user, track, now - timedelta(minutes=5), skipped=True)
        await session.execute(
            text("insert into library_likes (user_id, track_id) values (:u, :t)"),
            {"u": user, "t": track},
        )
        await session.execute(text("delete from library_likes where user_id = :u"), {"u": user})
        assert await queued(session, user) == [
            ("listen", 0.9, False),
            ("listen", -0.5, False),
            ("like", 2.0, False),
            ("like", 2.0, True),
        ]
        fold_job = await session.scalar(
            text(
                "select count(*) from procrastinate_jobs where task_name = 'backbeat:taste.fold' "
                "and status = 'todo'"
            )
        )
        assert fold_job == 1


class TestFolding:
    async def test_folded_vector_equals_recompute(self, session: AsyncSession) -> None:
        user, owner = await make_user(session, "tf_user"), await make_user(session, "tf_owner")
        model = await small_model(session)
        a = await track_with_vector(session, owner, model, [1, 0, 0, 0])
        b = await track_with_vector(session, owner, model, [0, 1, 0, 0])
        now = datetime.now(UTC)
        for minutes in range(6):
            await listen(
                session,
                user,
                a,
                now - timedelta(days=minutes),
                ms_played=200_000,
                duration_ms=200_000,
            )
        await listen(session, user, b, now - timedelta(hours=1), skipped=True)
        await session.execute(
            text("insert into library_likes (user_id, track_id) values (:u, :t)"),
            {"u": user, "t": b},
        )
        assert await vectors.fold_pending(session, half_life_days=HALF_LIFE) >= 8
        folded = await embeddings.user_taste_vector(session, user, model=model.name)
        assert await vectors.recompute_user(session, user, half_life_days=HALF_LIFE) == 1
        recomputed = await embeddings.user_taste_vector(session, user, model=model.name)
        assert folded is not None and recomputed is not None
        assert np.allclose(folded, recomputed, atol=1e-6)
        assert folded[0] > 0 and folded[1] > 0  # played a lot; liked b after skipping it

    async def test_an_unembedded_track_waits_for_the_recompute(self, session: AsyncSession) -> None:
        user, owner = await make_user(session, "tw_user"), await make_user(session, "tw_owner")
        model = await small_model(session)
        track = await track_with_vector(session, owner, model, [1, 0, 0, 0])
        await session.execute(
            text("delete from taste_track_embeddings where track_id = :t"), {"t": track}
        )
        await listen(session, user, track, datetime.now(UTC))
        await vectors.fold_pending(session, half_life_days=HALF_LIFE)
        assert await embeddings.user_taste_vector(session, user, model=model.name) is None
        await embeddings.store_track_vector(
            session, track, model, embeddings.normalised([1, 0, 0, 0])
        )
        await vectors.recompute_user(session, user, half_life_days=HALF_LIFE)
        found = await embeddings.user_taste_vector(session, user, model=model.name)
        assert found is not None and np.allclose(found, [1, 0, 0, 0])


class TestProfile:
    async def test_a_profile_seeds_taste_from_matching_tracks(self, session: AsyncSession) -> None:
        user, owner = await make_user(session, "tp_user"), await make_user(session, "tp_owner")
        model = await small_model(session)
        house = await track_with_vector(session, owner, model, [0, 0, 1, 0], bpm=124)
        await track_with_vector(session, owner, model, [1, 0, 0, 0], bpm=124)
        await session.execute(
            text("update catalog_tracks set tags = '{House}' where id = :t"), {"t": house}
        )
        await session.execute(
            text(
                "insert into taste_profiles (user_id, genres, tempo_min, tempo_max) "
                "values (:u, '{house}', 110, 130)"
            ),
            {"u": user},
        )
        assert await vectors.recompute_user(session, user, half_life_days=HALF_LIFE) >= 1
        found = await embeddings.user_taste_vector(session, user, model=model.name)
        source = await session.scalar(
            text(
                "select source from taste_user_vectors v join taste_embedding_models m "
                "on m.id = v.model_id where v.user_id = :u and m.name = :m"
            ),
            {"u": user, "m": model.name},
        )
        assert found is not None and np.allclose(found, [0, 0, 1, 0]) and source == "profile"
