"""What tests that run real servers share: a free port, and the local Redis."""

from __future__ import annotations

import socket

REDIS_URL = "redis://127.0.0.1:6379/0"
"""The Redis every machine of this project (and CI) runs; tests of the Redis broker use it."""


def free_port() -> int:
    """A local TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
