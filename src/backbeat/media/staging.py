"""Staging: a received file on local disk with its content address, and the limit it was held to.

Bytes are hashed (sha256 and CIDv1) as they arrive, so storing them needs no second read, and the
first byte past the limit stops the upload (and removes what was staged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from backbeat.errors import AppError
from backbeat.media.cid import ContentHasher
from backbeat.media.errors import FileTooLarge, QuotaExceeded
from backbeat.media.models import Bucket

HASH_CHUNK = 1024 * 1024


@dataclass
class Staged:
    """A whole file in staging with its content address."""

    path: Path
    size: int
    sha256: str
    cid: str


@dataclass
class Limit:
    """The most bytes an upload may have, and the error to raise past it."""

    max_bytes: int
    error: AppError


@dataclass
class Receiver:
    """Writes chunks to a staging file, hashing them, refusing the first byte past the limit."""

    path: Path
    limit: Limit
    hasher: ContentHasher = field(default_factory=ContentHasher)

    def __post_init__(self) -> None:
        self._file = open(self.path, "wb")  # noqa: SIM115 - closed in finish/discard

    def write(self, chunk: bytes | memoryview) -> None:
        if self.hasher.size + len(chunk) > self.limit.max_bytes:
            self.discard()
            raise self.limit.error
        self.hasher.update(chunk)
        self._file.write(chunk)

    def finish(self) -> Staged:
        self._file.close()
        return Staged(self.path, self.hasher.size, self.hasher.sha256_hex, self.hasher.cid)

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


def size_limit(bucket: Bucket, quota_left: int) -> Limit:
    """The tighter of the bucket's file limit and what is left of the owner's quota."""
    if quota_left < bucket.size_limit_bytes:
        return Limit(
            max(quota_left, 0),
            QuotaExceeded(f"The upload would exceed your quota in {bucket.name}."),
        )
    return Limit(
        bucket.size_limit_bytes,
        FileTooLarge(
            f"Files in {bucket.name} are at most {bucket.size_limit_bytes} bytes.",
            limit_bytes=bucket.size_limit_bytes,
        ),
    )


def hash_file(path: Path) -> Staged:
    """Content address of a file already on disk (a completed tus upload, a compressed image)."""
    hasher = ContentHasher()
    with open(path, "rb") as file:
        while chunk := file.read(HASH_CHUNK):
            hasher.update(chunk)
    return Staged(path, hasher.size, hasher.sha256_hex, hasher.cid)
