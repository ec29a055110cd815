"""The storage contract, run against both backends: the local data dir and a real S3 server."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from backbeat.media.service import storage_for
from backbeat.media.storage import READ_CHUNK, LocalStorage, Storage
from backbeat.media.storage_s3 import S3Storage
from tests.conftest import settings_for_tests
from tests.media.factories import s3_settings

MiB = 1024 * 1024


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    overrides: dict[str, object] = {}
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        overrides = s3_settings(
            endpoint, s3_multipart_threshold_bytes=5 * MiB, s3_multipart_part_bytes=5 * MiB
        )
    return storage_for(settings_for_tests(data_dir=tmp_path / "data", **overrides))


def staged(storage: Storage, data: bytes) -> tuple[str, Path]:
    path = storage.staging_file()
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest(), path


async def read_all(storage: Storage, sha256: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in storage.read(sha256, start, end)])


class TestStorageContract:
    async def test_put_stores_the_bytes_once_and_consumes_the_staged_file(
        self, backend: Storage
    ) -> None:
        data = os.urandom(1000)
        sha256, path = staged(backend, data)
        assert not await backend.exists(sha256)
        assert await backend.put(sha256, path) is True
        assert not path.exists()
        assert await backend.exists(sha256) and await backend.size(sha256) == 1000
        assert await read_all(backend, sha256) == data
        again, second = staged(backend, data)
        assert await backend.put(again, second) is False
        assert not second.exists()

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            (0, 10),
            (100, 200),
            (READ_CHUNK - 3, READ_CHUNK + 5),
            (200_000, 520_000),
            (600_000, None),
        ],
    )
    async def test_ranges_read_exactly_their_bytes(
        self, backend: Storage, start: int, end: int | None
    ) -> None:
        data = os.urandom(600 * 1024)
        sha256, path = staged(backend, data)
        await backend.put(sha256, path)
        assert await read_all(backend, sha256, start, end) == data[start:end]

    async def test_an_empty_range_reads_nothing(self, backend: Storage) -> None:
        sha256, path = staged(backend, b"abc")
        await backend.put(sha256, path)
        assert await read_all(backend, sha256, 2, 2) == b""

    async def test_delete_removes_and_tolerates_missing_blobs(self, backend: Storage) -> None:
        sha256, path = staged(backend, b"gone soon")
        await backend.put(sha256, path)
        await backend.delete(sha256)
        await backend.delete(sha256)
        assert not await backend.exists(sha256)
        with pytest.raises(FileNotFoundError):
            await backend.size(sha256)

    async def test_a_local_copy_holds_the_bytes_for_decoders(self, backend: Storage) -> None:
        data = os.urandom(5000)
        sha256, path = staged(backend, data)
        await backend.put(sha256, path)
        async with backend.local_copy(sha256) as copy:
            assert copy.read_bytes() == data
        assert isinstance(backend, LocalStorage) or not copy.exists()

    async def test_large_blobs_round_trip(self, backend: Storage) -> None:
        data = os.urandom(11 * MiB)
        sha256, path = staged(backend, data)
        await backend.put(sha256, path)
        assert await backend.size(sha256) == len(data)
        assert hashlib.sha256(await read_all(backend, sha256)).hexdigest() == sha256


class TestS3:
    async def test_large_blobs_upload_in_parts_under_content_addressed_keys(
        self, s3_endpoint: str, tmp_path: Path
    ) -> None:
        settings = settings_for_tests(
            data_dir=tmp_path,
            **s3_settings(
                s3_endpoint, s3_multipart_threshold_bytes=5 * MiB, s3_multipart_part_bytes=5 * MiB
            ),
        )
        storage = storage_for(settings)
        assert isinstance(storage, S3Storage)
        sha256, path = staged(storage, os.urandom(11 * MiB))
        await storage.put(sha256, path)
        head = storage.client.head_object(Bucket=settings.s3_bucket, Key=storage.key_of(sha256))
        assert head["ETag"].strip('"').endswith("-3")  # three parts: 5 + 5 + 1 MiB
        assert storage.key_of(sha256) == f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"
        assert storage.stored_keys() == [sha256]

    async def test_small_blobs_are_one_put(self, s3_endpoint: str, tmp_path: Path) -> None:
        settings = settings_for_tests(data_dir=tmp_path, **s3_settings(s3_endpoint))
        storage = storage_for(settings)
        assert isinstance(storage, S3Storage)
        sha256, path = staged(storage, b"x" * 1000)
        await storage.put(sha256, path)
        head = storage.client.head_object(Bucket=settings.s3_bucket, Key=storage.key_of(sha256))
        assert "-" not in head["ETag"]
        assert head["Metadata"] == {"sha256": sha256}
