"""Blobs in any S3-compatible store (AWS S3, MinIO, Cloudflare R2, Ceph …), by content address.

The key of a blob is `<prefix>ab/cd/<sha256>`, as on local disk. Uploads are still received into
a local staging directory (validation needs the whole file, and tus resumes need the bytes), then
put in one request, or in parts above the multipart threshold; an object appears in S3 only when
complete, so readers never see a partial blob. boto3 is blocking: every call runs in a thread.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from backbeat.config import Settings
from backbeat.media.storage import READ_CHUNK, blob_key

if TYPE_CHECKING:  # boto3 loads when an S3Storage is built (from_settings), not at import
    from boto3.s3.transfer import TransferConfig  # type: ignore[import-untyped]
    from botocore.exceptions import ClientError  # type: ignore[import-untyped]

MISSING = {"404", "NoSuchKey", "NotFound"}


class S3Storage:
    """Blobs as objects in one bucket; staging on local disk under `staging_root`."""

    def __init__(
        self, client: Any, bucket: str, staging_root: Path, *, prefix: str, transfer: TransferConfig
    ) -> None:
        self.client, self.bucket, self.prefix, self.transfer = client, bucket, prefix, transfer
        self.staging = staging_root
        self.staging.mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        """A client for the configured endpoint, bucket and credentials (boto3 loads only now)."""
        import boto3  # type: ignore[import-untyped]
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config  # type: ignore[import-untyped]

        secret = settings.s3_secret_access_key
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key_id,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
            config=Config(retries={"mode": "standard"}, max_pool_connections=20),
        )
        transfer = TransferConfig(
            multipart_threshold=settings.s3_multipart_threshold_bytes,
            multipart_chunksize=settings.s3_multipart_part_bytes,
        )
        staging = settings.media_dir / "staging"
        return cls(
            client, settings.s3_bucket, staging, prefix=settings.s3_prefix, transfer=transfer
        )

    def key_of(self, sha256: str) -> str:
        """The object key of a blob."""
        return self.prefix + blob_key(sha256)

    def staging_file(self) -> Path:
        return self.staging / uuid.uuid4().hex

    def resumable_file(self, upload_id: str) -> Path:
        return self.staging / f"tus-{uuid.UUID(upload_id).hex}"

    async def put(self, sha256: str, staged: Path) -> bool:
        """Upload unless the blob is already there; the staged file is gone afterwards."""
        if await self.exists(sha256):
            await anyio.to_thread.run_sync(lambda: staged.unlink(missing_ok=True))
            return False
        await anyio.to_thread.run_sync(self._upload, sha256, staged)
        return True

    def _upload(self, sha256: str, staged: Path) -> None:
        """One PUT, or a multipart upload above the threshold; then the staged file goes."""
        extra = {"ContentType": "application/octet-stream", "Metadata": {"sha256": sha256}}
        try:
            self.client.upload_file(
                str(staged), self.bucket, self.key_of(sha256), ExtraArgs=extra, Config=self.transfer
            )
        finally:
            staged.unlink(missing_ok=True)

    async def exists(self, sha256: str) -> bool:
        return await self._head(sha256) is not None

    async def size(self, sha256: str) -> int:
        head = await self._head(sha256)
        if head is None:
            raise FileNotFoundError(self.key_of(sha256))
        return int(head["ContentLength"])

    async def _head(self, sha256: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError  # loaded with the client by from_settings

        try:
            return await anyio.to_thread.run_sync(
                lambda: self.client.head_object(Bucket=self.bucket, Key=self.key_of(sha256))
            )
        except ClientError as exc:
            if _code(exc) in MISSING:
                return None
            raise

    async def read(
        self, sha256: str, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        """A ranged GET, streamed in chunks."""
        if end is not None and end <= start:
            return
        args = {"Bucket": self.bucket, "Key": self.key_of(sha256)}
        if start or end is not None:
            args["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        response = await anyio.to_thread.run_sync(lambda: self.client.get_object(**args))
        body = response["Body"]
        try:
            while chunk := await anyio.to_thread.run_sync(body.read, READ_CHUNK):
                yield chunk
        finally:
            body.close()

    async def delete(self, sha256: str) -> None:
        await anyio.to_thread.run_sync(
            lambda: self.client.delete_object(Bucket=self.bucket, Key=self.key_of(sha256))
        )

    @asynccontextmanager
    async def local_copy(self, sha256: str) -> AsyncIterator[Path]:
        """Download into staging for the decoders; removed afterwards."""
        path = self.staging_file()
        try:
            await anyio.to_thread.run_sync(
                lambda: self.client.download_file(self.bucket, self.key_of(sha256), str(path))
            )
            yield path
        finally:
            path.unlink(missing_ok=True)

    def stored_keys(self) -> list[str]:
        """Every stored blob's sha256 (tests and the orphan check use it)."""
        paginator = self.client.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=self.bucket, Prefix=self.prefix)
        return sorted(
            item["Key"].rsplit("/", 1)[-1] for page in pages for item in page.get("Contents", [])
        )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
