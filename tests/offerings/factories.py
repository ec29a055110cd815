"""Offerings test helpers: a listed master with an offering through the API, funded balances,
revenue through the engine, and ownership instants moved for the engine's time semantics."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.models import Track
from tests.royalties.factories import Account, make_sheet, make_track, user_payee

NOW = datetime.now(UTC)


def offering_body(**overrides: Any) -> dict[str, Any]:
    return {
        "price": "500",
        "asset": "USD",
        "total_supply": 200,
        "artist_reserve": 20,
        "starts_at": (NOW - timedelta(days=1)).isoformat(),
        "ends_at": (NOW + timedelta(days=30)).isoformat(),
        **overrides,
    }


async def owned_track(session: AsyncSession, artist: Account) -> Track:
    """A track whose two sheets pay its artist 100 %."""
    payee = await user_payee(session, artist.user)
    track = await make_track(session, artist.user)
    await make_sheet(session, track, "composition", [(payee, 1_000_000)])
    await make_sheet(session, track, "production", [(payee, 1_000_000)])
    return track


async def step(client: httpx.AsyncClient, track: Track, to: str, who: Account) -> httpx.Response:
    return await client.post(
        f"/v1/masters/{track.id}/transitions", json={"to": to}, headers=who.headers
    )


async def listed_offering(
    client: httpx.AsyncClient, session: AsyncSession, artist: Account, **config: Any
) -> tuple[Track, dict[str, Any]]:
    """locked → offering → minted → listed, as the artist; returns the track and offering."""
    track = await owned_track(session, artist)
    assert (await step(client, track, "locked", artist)).status_code == 200
    created = await client.post(
        f"/v1/masters/{track.id}/offering", json=offering_body(**config), headers=artist.headers
    )
    assert created.status_code == 201, created.text
    for to in ("minted", "listed"):
        moved = await step(client, track, to, artist)
        assert moved.status_code == 200, moved.text
    return track, created.json()


async def fund(session: AsyncSession, who: Account, amount: int, asset: str = "USD") -> None:
    """Credits the user's payee from outside (a balanced ledger transfer, as the owner)."""
    payee = await user_payee(session, who.user)
    await session.execute(
        text(
            "select offerings_post(gen_random_uuid(), 'allocation', null, 'other', "
            "array['revenue:other', 'payee:' || cast(:p as text)], :asset, "
            "array[cast(:minus as numeric), cast(:plus as numeric)])"
        ),
        {"p": payee.id, "asset": asset, "minus": -amount, "plus": amount},
    )


async def buy(
    client: httpx.AsyncClient,
    offering_id: str,
    who: Account,
    quantity: int,
    method: str = "balance",
    key: str | None = None,
) -> httpx.Response:
    return await client.post(
        f"/v1/offerings/{offering_id}/purchases",
        json={"quantity": quantity, "method": method, "idempotency_key": key or uuid.uuid4().hex},
        headers=who.headers,
    )


async def move_ownership_instants(
    session: AsyncSession, track_id: uuid.UUID, kind: str, at: datetime
) -> None:
    """Every transfer of one kind on the master happened at `at` (a test's one transaction has
    one now(), so instants are set by hand to stand for different moments)."""
    await session.execute(
        text("update offerings_share_transfers set at = :at where track_id = :t and kind = :k"),
        {"at": at, "t": track_id, "k": kind},
    )


async def balance(session: AsyncSession, who: Account, asset: str = "USD") -> int:
    payee = await user_payee(session, who.user)
    found = await session.execute(
        text(
            "select coalesce(sum(b.balance), 0) from royalties_accounts a "
            "join royalties_balances b on b.account_id = a.id "
            "where a.name = 'payee:' || cast(:p as text) and a.asset = :asset"
        ),
        {"p": payee.id, "asset": asset},
    )
    return int(found.scalar_one())
