"""Where media bytes live: content-addressed blobs, written atomically, each stored once.

A blob's key is the lowercase hex sha256 of its bytes. Uploads are staged in a temporary file on
the same filesystem and moved into place with one rename once they are whole and validated, so a
reader never sees a partial blob and a refused upload leaves nothing but a staged file it deletes.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Protocol

import anyio

READ_CHUNK = 256 * 1024
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class Storage(Protocol):
    """What the upload pipeline and the download route need from a backend."""

    def staging_file(self) -> Path:
        """A fresh path for an upload in progress, on the same filesystem as the blobs."""
        ...

    def resumable_file(self, upload_id: str) -> Path:
        """Where a resumable upload's bytes accumulate between PATCH requests."""
        ...

    async def put(self, sha256: str, staged: Path) -> bool:
        """Move a whole, validated staged file into place; False when the blob already existed."""
        ...

    async def exists(self, sha256: str) -> bool:
        """Whether the blob is stored."""
        ...

    async def size(self, sha256: str) -> int:
        """A stored blob's length in bytes."""
        ...

    def read(self, sha256: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The bytes [start, end) of a blob, in chunks."""
        ...

    async def delete(self, sha256: str) -> None:
        """Remove a blob (no error when it is already gone)."""
        ...

    def local_copy(self, sha256: str) -> AbstractAsyncContextManager[Path]:
        """A file on local disk holding the blob while the context lasts (for decoders)."""
        ...


def blob_key(sha256: str) -> str:
    """`ab/cd/abcd…`: two fan-out levels keep directories small."""
    if not _SHA256_HEX.match(sha256):
        raise ValueError("a blob key is a lowercase hex sha256")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class LocalStorage:
    """Blobs under `<root>/blobs`, staged uploads under `<root>/staging`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blobs = root / "blobs"
        self.staging = root / "staging"
        self.blobs.mkdir(parents=True, exist_ok=True)
        self.staging.mkdir(parents=True, exist_ok=True)

    def path_of(self, sha256: str) -> Path:
        """The file that holds a blob."""
        return self.blobs / blob_key(sha256)

    def staging_file(self) -> Path:
        return self.staging / uuid.uuid4().hex

    def resumable_file(self, upload_id: str) -> Path:
        return self.staging / f"tus-{uuid.UUID(upload_id).hex}"

    async def put(self, sha256: str, staged: Path) -> bool:
        return await anyio.to_thread.run_sync(self._put, sha256, staged)

    def _put(self, sha256: str, staged: Path) -> bool:
        """fsync, rename into place, fsync the directory; identical bytes are kept once."""
        target = self.path_of(sha256)
        if target.exists():
            staged.unlink(missing_ok=True)
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(staged, "rb") as file:
            os.fsync(file.fileno())
        os.replace(staged, target)
        _fsync_dir(target.parent)
        return True

    async def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).exists()

    async def size(self, sha256: str) -> int:
        return self.path_of(sha256).stat().st_size

    async def read(
        self, sha256: str, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        async with await anyio.open_file(self.path_of(sha256), "rb") as file:
            await file.seek(start)
            remaining = None if end is None else end - start
            while remaining is None or remaining > 0:
                size = READ_CHUNK if remaining is None else min(READ_CHUNK, remaining)
                chunk = await file.read(size)
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    async def delete(self, sha256: str) -> None:
        self.path_of(sha256).unlink(missing_ok=True)

    @asynccontextmanager
    async def local_copy(self, sha256: str) -> AsyncIterator[Path]:
        yield self.path_of(sha256)

    def stored_keys(self) -> list[str]:
        """Every stored blob's sha256 (tests and the orphan check use it)."""
        return sorted(p.name for p in self.blobs.glob("*/*/*") if p.is_file())


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable (POSIX: the directory entry is data too)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
