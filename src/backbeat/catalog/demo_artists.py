"""The demo catalog's 16 artists, each holding a deterministic Stacks wallet (created once)."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import User, Wallet
from backbeat.identity.service.accounts import create_user
from backbeat.identity.stacks import c32_address

ARTISTS = (
    "luna_vega",
    "nova",
    "kaito",
    "dj_okra",
    "nia_waves",
    "theo_keys",
    "sable_moon",
    "ravi_loops",
    "june_echo",
    "obi_bass",
    "lila_tone",
    "zed_pulse",
    "ines_rio",
    "kai_drift",
    "noor_hz",
    "ode_lane",
)
"""`nova` and `kaito` are identity's demo artists (they can sign in); the rest are created here."""


def demo_wallet(username: str) -> str:
    """A valid, deterministic Stacks address per artist (CAIP-10)."""
    digest = hashlib.sha256(f"backbeat-demo:{username}".encode()).digest()[:20]
    return f"stacks:1:{c32_address(22, digest)}"


async def ensure_artists(session: AsyncSession) -> list[User]:
    """The 16 demo artists, each with a proven wallet (created once)."""
    found = {
        u.username: u for u in await session.scalars(select(User).where(User.username.in_(ARTISTS)))
    }
    for name in ARTISTS:
        if name not in found:
            user = await create_user(
                session,
                email=None,
                username=name,
                password=None,
                display_name=name.replace("_", " ").title(),
                roles=("listener", "artist"),
            )
            found[name] = user
    await session.flush()
    await _prove_demo_wallets(session, found)
    return [found[name] for name in ARTISTS]


async def _prove_demo_wallets(session: AsyncSession, artists: dict[str, User]) -> None:
    """Each artist holds its demo wallet, so the wallet payees' earnings are theirs to claim."""
    wanted = {demo_wallet(name): user for name, user in artists.items()}
    held = set(await session.scalars(select(Wallet.caip10).where(Wallet.caip10.in_(wanted))))
    for caip10, user in wanted.items():
        if caip10 not in held:
            primary = not await session.scalar(
                select(Wallet.caip10).where(Wallet.user_id == user.id)
            )
            session.add(Wallet(caip10=caip10, user_id=user.id, is_primary=primary))
    await session.flush()
