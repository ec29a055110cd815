"""Wallets: sign-in challenges, signature proofs (SIWE, Stacks), linking and the primary one."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.errors import NotFound, Unprocessable
from backbeat.identity import caip10, siwe, stacks
from backbeat.identity.errors import InvalidWalletProof, LastSignInMethod, WalletTaken
from backbeat.identity.models import Credential, User, Wallet, WalletChallenge
from backbeat.identity.schemas import DeviceIn
from backbeat.identity.service.accounts import create_user, new_wallet_username
from backbeat.identity.service.audit import ClientInfo, record_event
from backbeat.identity.service.context import IdentityContext, utcnow
from backbeat.identity.service.sessions import IssuedTokens, start_session
from backbeat.identity.wallet_proofs import InvalidWallet, VerifiedWallet, WalletProofRejected

SIGN_IN_STATEMENT = "Sign in to Backbeat."


@dataclass(frozen=True)
class Challenge:
    """The message to sign and its nonce."""

    caip10: str
    message: str
    nonce: str
    expires_at: datetime


def _normalise(address: str) -> str:
    try:
        return caip10.normalise_wallet(address)
    except InvalidWallet as exc:
        raise Unprocessable(f"Not a wallet address: {exc.reason}.") from None


def _build_message(ctx: IdentityContext, caip10: str, nonce: str, now: datetime) -> str:
    """SIWE text for eip155 wallets, the Stacks variant for stacks wallets."""
    namespace, reference, address = caip10.split(":")
    expires = now + timedelta(seconds=ctx.settings.wallet_challenge_ttl_seconds)
    if namespace == "eip155":
        return siwe.build_siwe_message(
            address,
            domain=ctx.settings.public_domain,
            uri=ctx.settings.public_base_url,
            nonce=nonce,
            issued_at=now,
            expiration_time=expires,
            chain_id=int(reference),
            statement=SIGN_IN_STATEMENT,
        )
    return stacks.build_stacks_message(
        address,
        domain=ctx.settings.public_domain,
        nonce=nonce,
        issued_at=now,
        expiration_time=expires,
    )


async def challenge(
    session: AsyncSession, ctx: IdentityContext, *, address: str, chain_id: int | None
) -> Challenge:
    """A fresh nonce bound to this wallet, valid for a few minutes and usable once."""
    caip10 = _normalise(address)
    if chain_id is not None and caip10.startswith("eip155:"):
        caip10 = _normalise(f"eip155:{chain_id}:{caip10.rsplit(':', 1)[1]}")
    now = utcnow().replace(microsecond=0)
    nonce = secrets.token_hex(16)
    message = _build_message(ctx, caip10, nonce, now)
    expires_at = now + timedelta(seconds=ctx.settings.wallet_challenge_ttl_seconds)
    session.add(WalletChallenge(nonce=nonce, caip10=caip10, message=message, expires_at=expires_at))
    await session.flush()
    return Challenge(caip10, message, nonce, expires_at)


def _verify_signature(ctx: IdentityContext, message: str, signature: str) -> VerifiedWallet:
    """Check the signature and the message's domain and validity window."""
    first_line = message.split("\n", 1)[0]
    verify = stacks.verify_stacks if "your Stacks account" in first_line else siwe.verify_siwe
    try:
        return verify(message, signature, domain=ctx.settings.public_domain, now=utcnow())
    except WalletProofRejected as exc:
        raise InvalidWalletProof(f"The wallet proof is refused: {exc.reason}.") from None


async def prove(
    session: AsyncSession, ctx: IdentityContext, *, message: str, signature: str, client: ClientInfo
) -> str:
    """Verify a signed challenge and spend its nonce; returns the proven wallet (CAIP-10)."""
    verified = _verify_signature(ctx, message, signature)
    spent = await session.scalar(
        update(WalletChallenge)
        .where(
            WalletChallenge.nonce == verified.nonce,
            WalletChallenge.caip10 == verified.caip10,
            WalletChallenge.message == message,
            WalletChallenge.consumed_at.is_(None),
            WalletChallenge.expires_at > func.now(),
        )
        .values(consumed_at=func.now())
        .returning(WalletChallenge.nonce)
    )
    if spent is None:
        await record_event(
            session, "wallet_proof_refused", user_id=None, client=client, wallet=verified.caip10
        )
        raise InvalidWalletProof("The nonce is unknown, expired, or was already used.")
    return verified.caip10


async def sign_in(
    session: AsyncSession,
    ctx: IdentityContext,
    *,
    message: str,
    signature: str,
    device: DeviceIn | None,
    client: ClientInfo,
) -> IssuedTokens:
    """Sign in with a wallet; the first sign-in creates a listener account that owns it."""
    caip10 = await prove(session, ctx, message=message, signature=signature, client=client)
    wallet = await session.get(Wallet, caip10)
    if wallet is None:
        user = await create_user(
            session, email=None, username=await new_wallet_username(session), password=None
        )
        session.add(Wallet(caip10=caip10, user_id=user.id, is_primary=True))
        await session.flush()
        await record_event(session, "wallet_linked", user_id=user.id, client=client, wallet=caip10)
    else:
        user = await session.get_one(User, wallet.user_id)
    return await start_session(
        session, ctx, user, method="wallet", aal="aal1", device=device, client=client
    )


async def link(
    session: AsyncSession,
    ctx: IdentityContext,
    *,
    user_id: uuid.UUID,
    message: str,
    signature: str,
    client: ClientInfo,
) -> Wallet:
    """Link a proven wallet to the caller; the first one becomes primary."""
    caip10 = await prove(session, ctx, message=message, signature=signature, client=client)
    existing = await session.get(Wallet, caip10)
    if existing is not None:
        if existing.user_id != user_id:
            raise WalletTaken("This wallet is linked to another account.")
        return existing
    has_primary = await session.scalar(
        select(func.count()).where(Wallet.user_id == user_id, Wallet.is_primary)
    )
    wallet = Wallet(caip10=caip10, user_id=user_id, is_primary=not has_primary)
    session.add(wallet)
    await session.flush()
    await record_event(session, "wallet_linked", user_id=user_id, client=client, wallet=caip10)
    return wallet


async def list_wallets(session: AsyncSession, *, user_id: uuid.UUID) -> Sequence[Wallet]:
    """Primary first, then by age."""
    query = (
        select(Wallet)
        .where(Wallet.user_id == user_id)
        .order_by(Wallet.is_primary.desc(), Wallet.created_at)
    )
    return (await session.scalars(query)).all()


async def _own_wallet(session: AsyncSession, user_id: uuid.UUID, address: str) -> Wallet:
    wallet = await session.get(Wallet, _normalise(address), with_for_update=True)
    if wallet is None or wallet.user_id != user_id:
        raise NotFound("No such wallet on this account.")
    return wallet


async def unlink(
    session: AsyncSession, *, user_id: uuid.UUID, address: str, client: ClientInfo
) -> None:
    """Remove a wallet; the oldest remaining one becomes primary. The last way in stays."""
    wallet = await _own_wallet(session, user_id, address)
    others = [w for w in await list_wallets(session, user_id=user_id) if w.caip10 != wallet.caip10]
    if not others and await session.get(Credential, user_id) is None:
        raise LastSignInMethod("Set a password before removing your only wallet.")
    await session.delete(wallet)
    await session.flush()
    if wallet.is_primary and others:
        others[0].is_primary = True
    await record_event(
        session, "wallet_unlinked", user_id=user_id, client=client, wallet=wallet.caip10
    )


async def make_primary(
    session: AsyncSession, *, user_id: uuid.UUID, address: str, client: ClientInfo
) -> Wallet:
    """Choose the wallet the `wallet_address` claim carries."""
    wallet = await _own_wallet(session, user_id, address)
    await session.execute(
        update(Wallet)
        .where(Wallet.user_id == user_id, Wallet.is_primary, Wallet.caip10 != wallet.caip10)
        .values(is_primary=False)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    wallet.is_primary = True
    await session.flush()
    await record_event(
        session, "wallet_primary_changed", user_id=user_id, client=client, wallet=wallet.caip10
    )
    return wallet
