"""Small factories: users, tracks, payees, sheet versions, lineage edges, revenue events, and
API accounts signed up through identity's endpoints; reading balances, distributing everything."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.models import LineageEdge, Payee, SplitEntry, SplitVersion, Track
from backbeat.identity.models import User, Wallet
from backbeat.royalties.distribution import Planner, distribute_batch
from backbeat.royalties.models import RevenueEvent
from backbeat.royalties.rights import Policy
from tests.identity.factories import bearer, sign_in, signup

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


async def make_user(session: AsyncSession, *, roles: Sequence[str] = ("artist",)) -> User:
    user = User(username=f"u_{uuid.uuid4().hex[:12]}", roles=list(roles))
    session.add(user)
    await session.flush()
    return user


async def make_track(session: AsyncSession, owner: User, *, isrc: str | None = None) -> Track:
    track = Track(title="Song", artist="Artist", sample_type="song", created_by=owner.id, isrc=isrc)
    session.add(track)
    await session.flush()
    return track


async def user_payee(session: AsyncSession, user: User) -> Payee:
    found = (
        await session.execute(
            text("select id from catalog_payees where user_id = :u"), {"u": user.id}
        )
    ).scalar_one_or_none()
    if found is not None:
        payee = await session.get(Payee, found)
        assert payee is not None
        return payee
    payee = Payee(user_id=user.id)
    session.add(payee)
    await session.flush()
    return payee


async def wallet_payee(session: AsyncSession, wallet: str) -> Payee:
    payee = Payee(wallet=wallet)
    session.add(payee)
    await session.flush()
    return payee


async def prove_wallet(session: AsyncSession, user: User, wallet: str) -> None:
    session.add(Wallet(caip10=wallet, user_id=user.id))
    await session.flush()


async def make_sheet(
    session: AsyncSession,
    track: Track,
    sheet: str,
    entries: Sequence[tuple[Payee, int]],
    *,
    effective_from: datetime = EPOCH,
    version: int | None = None,
) -> SplitVersion:
    """An active version with its entries (shares in ppm, summing to 1,000,000)."""
    if version is None:
        count = await session.execute(
            text("select count(*) from catalog_split_versions where track_id = :t and sheet = :s"),
            {"t": track.id, "s": sheet},
        )
        version = int(count.scalar_one()) + 1
    row = SplitVersion(
        track_id=track.id,
        sheet=sheet,
        version=version,
        effective_from=effective_from,
        status="active",
    )
    session.add(row)
    await session.flush()
    for position, (payee, share) in enumerate(entries):
        session.add(
            SplitEntry(
                version_id=row.id,
                position=position,
                payee_id=payee.id,
                role="other",
                share_ppm=share,
            )
        )
    await session.flush()
    return row


async def make_edge(
    session: AsyncSession, child: Track, parent: Track, share_ppm: int, kind: str = "remix"
) -> None:
    session.add(LineageEdge(child_id=child.id, parent_id=parent.id, kind=kind, share_ppm=share_ppm))
    await session.flush()


async def make_event(
    session: AsyncSession,
    track: Track,
    amount: int,
    *,
    source: str = "stream",
    asset: str = "USD",
    occurred_at: datetime = EPOCH,
    key: str | None = None,
) -> RevenueEvent:
    event = RevenueEvent(
        submitted_by="test",
        idempotency_key=key or uuid.uuid4().hex,
        body_hash="-",
        track_id=track.id,
        source=source,
        amount=amount,
        asset=asset,
        occurred_at=occurred_at,
    )
    session.add(event)
    await session.flush()
    return event


async def distribute_all(session: AsyncSession, policy: Policy | None = None) -> int:
    """Allocates every accepted event in the test's transaction; returns how many."""
    planner = Planner(policy or Policy())
    total = 0
    while done := await distribute_batch(session, planner, 500):
        total += done
    return total


async def balances(session: AsyncSession) -> dict[str, int]:
    """Every cached balance by account name (the test's assets never collide)."""
    rows = await session.execute(
        text(
            "select a.name, b.balance from royalties_balances b "
            "join royalties_accounts a on a.id = b.account_id"
        )
    )
    return {name: int(balance) for name, balance in rows.all()}


# Through the API ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


async def account(
    client: httpx.AsyncClient, session: AsyncSession, *, admin: bool = False
) -> Account:
    """A signed-up user (an admin when asked: roles set, then signed in again)."""
    created = await signup(client)
    user_id = uuid.UUID(created["user"]["id"])
    token = created["access_token"]
    if admin:
        await session.execute(
            text("update identity_users set roles = array['admin'] where id = :id"), {"id": user_id}
        )
        response = await sign_in(client, created["user"]["email"])
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
    user = await session.get(User, user_id)
    assert user is not None
    return Account(user, token)


async def personal_token(client: httpx.AsyncClient, owner: Account, *scopes: str) -> str:
    response = await client.post(
        "/v1/me/tokens", json={"name": "sales", "scopes": list(scopes)}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token
