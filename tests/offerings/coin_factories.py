"""Factories shared by the coin and pool tests: addresses, hashes, logs, an admin over HTTP."""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

import httpx

from backbeat.offerings.coin_chain import ZERO_ADDRESS, checksummed

_logs = itertools.count(1)


def address(seed: str) -> str:
    """A checksummed EVM address derived from a seed."""
    return checksummed("0x" + hashlib.sha256(seed.encode()).hexdigest()[:40])


def tx(seed: object) -> str:
    return "0x" + hashlib.sha256(str(seed).encode()).hexdigest()


def log(block: int | None = None, index: int = 0) -> dict[str, Any]:
    """A fresh chain position (each call later than the one before, unless given)."""
    n = next(_logs)
    return {"tx_hash": tx(("log", n)), "log_index": index, "block_number": block or 1000 + n}


def coin_body(artist: str, **fields: Any) -> dict[str, Any]:
    return {
        "artist": artist,
        "name": "Luna Coin",
        "symbol": "LUNA",
        "chain_id": 8453,
        "contract_address": address(f"coin {artist}"),
        "decimals": 18,
        **fields,
    }


async def mint(
    client: httpx.AsyncClient, headers: dict[str, str], coin_id: str, to: str, amount: int
) -> httpx.Response:
    body = {"sender": ZERO_ADDRESS, "recipient": to, "amount": str(amount), **log()}
    return await client.post(f"/v1/admin/coins/{coin_id}/transfers", json=body, headers=headers)


def pool_event(kind: str, account: str | None = None, **amounts: int) -> dict[str, Any]:
    return {"kind": kind, "account": account, **{k: str(v) for k, v in amounts.items()}, **log()}
