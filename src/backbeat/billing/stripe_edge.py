"""Billing's edge: the owner transaction its writes run in, and the configured provider.

Subscriptions, invoices and the inbox are written only by the owner role (RLS lets users read
their own and nothing more), so the Stripe webhook, cancel, change and admin grants run in an
owner transaction; the service checks who may do what.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing.providers import PaymentProvider
from backbeat.billing.stripe_api import StripeProvider, stripe_client
from backbeat.db import require_live_session
from backbeat.edge import RequestClaims, Slot, app_state


@dataclass(frozen=True)
class BillingContext:
    provider: PaymentProvider | None


BILLING: Slot[BillingContext] = Slot("billing")


async def billing_context(request: Request) -> BillingContext:
    """The app's payment provider, made from its settings on first use."""
    state = app_state(request)
    if BILLING.name not in state.components:
        client = stripe_client(state.settings)
        state.provide(BILLING, BillingContext(StripeProvider(client) if client else None))
    return state.component(BILLING)


async def billing_session(request: Request, claims: RequestClaims) -> AsyncIterator[AsyncSession]:
    """One owner transaction for the request (the caller's session checked first)."""
    database = app_state(request).require_database()
    async with database.owner_sessions() as session, session.begin():
        await require_live_session(session, claims)
        yield session


Billing = Annotated[BillingContext, Depends(billing_context)]
BillingSession = Annotated[AsyncSession, Depends(billing_session, scope="function")]
