"""Expiring signed URLs for private objects: HMAC-SHA256 over bucket, path and expiry."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import quote

from backbeat.media.errors import InvalidSignature

_KEY_CONTEXT = b"backbeat/media/signed-url/v1"


def signing_key(secret_key: str) -> bytes:
    """A key used only for media URLs, derived from the app secret."""
    return hmac.new(secret_key.encode(), _KEY_CONTEXT, hashlib.sha256).digest()


def signature(key: bytes, bucket: str, path: str, expires: int) -> str:
    """The hex HMAC of what the URL grants."""
    message = f"{bucket}\n{path}\n{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signed_url(base_url: str, key: bytes, bucket: str, path: str, expires: int) -> str:
    """The download URL with its expiry and signature."""
    quoted = quote(path, safe="/")
    sig = signature(key, bucket, path, expires)
    origin = base_url.rstrip("/")
    return f"{origin}/v1/storage/{bucket}/objects/{quoted}?expires={expires}&signature={sig}"


def verify(
    key: bytes, bucket: str, path: str, expires: int, given: str, now: float | None = None
) -> None:
    """Refuse an altered or expired URL."""
    if (now if now is not None else time.time()) > expires:
        raise InvalidSignature("This signed URL has expired.")
    expected = signature(key, bucket, path, expires).encode()
    # compare_digest takes str only when ASCII; bytes compare any text a client sends.
    if not hmac.compare_digest(expected, given.encode("utf-8", "surrogatepass")):
        raise InvalidSignature("This signed URL is not valid.")
