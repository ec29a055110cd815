"""Data for `python -m bench taste`: clustered vectors, tracks, users with tastes, listens and
likes, loaded by COPY; the model's HNSW index built after loading (as pgvector builds fastest)."""

from __future__ import annotations

import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

TRACKS = int(os.environ.get("BENCH_TASTE_TRACKS", "100000"))
USERS = int(os.environ.get("BENCH_TASTE_USERS", "10000"))
DIMENSION = 768
CLUSTERS = 100
K = 20
QUERIES = int(os.environ.get("BENCH_TASTE_QUERIES", "200"))
RECALL_QUERIES = 50
MODEL = "bench-768"
SAMPLE_TYPES = ("vocals", "beats", "full_backing_track", "leads_and_tops", "instrumental", "song")
KEYS = tuple(f"{n} {m}" for n in ["C", "D", "E", "F", "G", "A", "B"] for m in ("major", "minor"))
HALF_LIFE = 30.0


def unit_rows(x: np.ndarray) -> np.ndarray:
    return np.asarray(x / np.linalg.norm(x, axis=1, keepdims=True), dtype=np.float32)


def clustered(rng: np.random.Generator, centres: np.ndarray, n: int, spread: float) -> np.ndarray:
    """n unit vectors, each a random centre plus Gaussian noise of norm about `spread`."""
    picks = rng.integers(0, len(centres), n)
    noise = rng.normal(0, spread / np.sqrt(DIMENSION), (n, DIMENSION)).astype(np.float32)
    return unit_rows(centres[picks] + noise)


def load(owner: str) -> tuple[uuid.UUID, list[uuid.UUID], list[uuid.UUID]]:
    """Tracks, vectors, users, tastes, listens and likes; then the index. Returns the model,
    the tracks and the users."""
    rng = np.random.default_rng(7)
    centres = unit_rows(rng.normal(0, 1, (CLUSTERS, DIMENSION)))
    model, artist = uuid.uuid4(), uuid.uuid4()
    tracks = [uuid.uuid4() for _ in range(TRACKS)]
    users = [uuid.uuid4() for _ in range(USERS)]
    pick = random.Random(7)
    with psycopg.connect(owner, autocommit=True) as conn:
        register_vector(conn)
        conn.execute(
            "insert into identity_users (id, username) values (%s, 'bench_artist')", [artist]
        )
        conn.execute(
            "insert into taste_embedding_models (id, name, version, dimension) "
            "values (%s, %s, '1', %s)",
            [model, MODEL, DIMENSION],
        )
        with conn.cursor().copy(
            "copy catalog_tracks (id, title, artist, sample_type, bpm, key, license_derivatives, "
            "created_by) from stdin"
        ) as copy:
            for n, track in enumerate(tracks):
                copy.write_row(
                    (
                        track,
                        f"Bench {n}",
                        f"Artist {n % 997}",
                        pick.choice(SAMPLE_TYPES),
                        round(pick.uniform(60, 180), 1),
                        pick.choice(KEYS),
                        pick.random() < 0.5,
                        artist,
                    )
                )
        with conn.cursor().copy(
            "copy taste_track_embeddings (model_id, track_id, dimension, embedding) "
            "from stdin with (format binary)"
        ) as copy:
            copy.set_types(["uuid", "uuid", "int4", "vector"])
            for start in range(0, TRACKS, 10_000):
                block = clustered(rng, centres, min(10_000, TRACKS - start), 0.7)
                for track, vector in zip(tracks[start : start + 10_000], block, strict=True):
                    copy.write_row((model, track, DIMENSION, vector))
        load_users(conn, rng, centres, model, users, tracks)
        started = time.perf_counter()
        conn.execute("set maintenance_work_mem = '2GB'")
        conn.execute("set max_parallel_maintenance_workers = 1")
        conn.execute(
            f"create index ix_taste_model_{model.hex} on taste_track_embeddings using hnsw "
            f"((embedding::vector({DIMENSION})) vector_cosine_ops) where model_id = '{model}'"
        )
        conn.execute("analyze")
        print(f"   (index built in {time.perf_counter() - started:.0f} s)", flush=True)
    return model, tracks, users


def load_users(
    conn: psycopg.Connection[Any],
    rng: np.random.Generator,
    centres: np.ndarray,
    model: uuid.UUID,
    users: list[uuid.UUID],
    tracks: list[uuid.UUID],
) -> None:
    """Users with a taste near a centre, 20 listens in the last week and 10 likes each (the
    taste triggers are off while loading: the vectors are given)."""
    now = datetime.now(UTC)
    conn.execute("select listening_ensure_partitions(%s, %s)", [now - timedelta(days=40), now])
    for table, trigger in (
        ("listening_listens", "taste_listens_added"),
        ("library_likes", "taste_likes_changed"),
    ):
        conn.execute(f"alter table {table} disable trigger {trigger}")
    pick = random.Random(8)
    with conn.cursor().copy("copy identity_users (id, username) from stdin") as copy:
        for n, user in enumerate(users):
            copy.write_row((user, f"bench_{n:05d}"))
    with conn.cursor().copy(
        "copy taste_user_vectors (user_id, model_id, dimension, vector, weight, reference_at, "
        "events) from stdin with (format binary)"
    ) as copy:
        copy.set_types(["uuid", "uuid", "int4", "vector", "float8", "timestamptz", "int4"])
        for user, vector in zip(users, clustered(rng, centres, len(users), 0.5), strict=True):
            copy.write_row((user, model, DIMENSION, vector, 30.0, now, 30))
    with conn.cursor().copy(
        "copy listening_listens (id, user_id, listened_at, artist_name, track_name, "
        "recording_msid, track_id, ms_played, duration_ms) from stdin"
    ) as copy:
        for user in users:
            for i in range(20):
                copy.write_row(
                    (
                        uuid.uuid4(),
                        user,
                        now - timedelta(hours=i * 8 + 1),
                        "a",
                        "t",
                        uuid.uuid4(),
                        pick.choice(tracks),
                        200_000,
                        200_000,
                    )
                )
    with conn.cursor().copy("copy library_likes (user_id, track_id) from stdin") as copy:
        for user in users:
            for track in set(pick.sample(tracks, 10)):
                copy.write_row((user, track))
    for table, trigger in (
        ("listening_listens", "taste_listens_added"),
        ("library_likes", "taste_likes_changed"),
    ):
        conn.execute(f"alter table {table} enable trigger {trigger}")
