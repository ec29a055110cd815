"""Content addresses: sha256 and the IPFS CIDv1 (raw codec) of a file's bytes."""

from __future__ import annotations

import base64
import hashlib

# CIDv1 header: version 1, multicodec raw (0x55), multihash sha2-256 (0x12) of 32 bytes (0x20).
_CID_V1_RAW_SHA256_PREFIX = bytes([0x01, 0x55, 0x12, 0x20])


def cid_v1_raw(digest_sha256: bytes) -> str:
    """The raw-block CIDv1 of the whole bytes, computable while streaming."""
    # `ipfs add --cid-version 1 --raw-leaves` gives this same CID only while the file fits one
    # chunk (256 KiB by default); a larger file becomes a UnixFS (dag-pb) tree with another root.
    if len(digest_sha256) != 32:
        raise ValueError("a sha2-256 digest is 32 bytes")
    encoded = base64.b32encode(_CID_V1_RAW_SHA256_PREFIX + digest_sha256).decode("ascii")
    return "b" + encoded.lower().rstrip("=")


class ContentHasher:
    """Hashes an upload while it streams, so the bytes are read once."""

    def __init__(self) -> None:
        self._sha256 = hashlib.sha256()
        self.size = 0

    def update(self, chunk: bytes) -> None:
        """Feed the next chunk of the file."""
        self._sha256.update(chunk)
        self.size += len(chunk)

    @property
    def sha256_hex(self) -> str:
        """The lowercase hex sha256 of everything fed so far."""
        return self._sha256.hexdigest()

    @property
    def cid(self) -> str:
        """The CIDv1 (raw, sha2-256, base32) of everything fed so far."""
        return cid_v1_raw(self._sha256.digest())
