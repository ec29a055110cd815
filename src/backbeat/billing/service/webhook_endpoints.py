"""Webhook endpoints: create (the secret returned once, sealed at rest), list, delete.

Row-level security shows a user their own endpoints and an admin every one; the checks here
answer first with a clear 403/404/409/422."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing.url_guard import Resolver, check_url, system_resolver
from backbeat.billing.webhook_errors import (
    PlatformEndpointForbidden,
    TooManyWebhookEndpoints,
    WebhookEndpointNotFound,
)
from backbeat.billing.webhook_models import WebhookEndpoint
from backbeat.billing.webhook_schemas import EndpointCreated, EndpointIn, EndpointOut
from backbeat.billing.webhook_signing import new_secret, seal_secret
from backbeat.identity.models import uuid7
from backbeat.identity.secretbox import SecretBox

COLUMNS = (
    WebhookEndpoint.id,
    WebhookEndpoint.owner_id,
    WebhookEndpoint.url,
    WebhookEndpoint.events,
    WebhookEndpoint.status,
    WebhookEndpoint.disabled_reason,
    WebhookEndpoint.created_at,
)
"""Every column the API role may read: never the sealed secret."""


@dataclass(frozen=True)
class Actor:
    """Who manages endpoints: a user, and whether they are an admin."""

    user_id: uuid.UUID
    is_admin: bool


def endpoint_out(row: Any) -> EndpointOut:
    return EndpointOut.model_validate({**row._mapping, "platform": row.owner_id is None})


async def create_endpoint(
    session: AsyncSession,
    body: EndpointIn,
    *,
    actor: Actor,
    box: SecretBox,
    allowed_hosts: frozenset[str],
    max_endpoints: int,
    resolver: Resolver = system_resolver,
) -> EndpointCreated:
    """A user's endpoint, or (admins) a platform one; the URL must pass the SSRF guard."""
    if body.platform and not actor.is_admin:
        raise PlatformEndpointForbidden("Only an admin creates platform-wide endpoints.")
    await check_url(body.url, allowed_hosts, resolver)
    owner = None if body.platform else actor.user_id
    same_owner = (
        WebhookEndpoint.owner_id.is_(None) if owner is None else WebhookEndpoint.owner_id == owner
    )
    existing = await session.scalar(select(func.count()).where(same_owner))
    if (existing or 0) >= max_endpoints:
        raise TooManyWebhookEndpoints(
            f"at most {max_endpoints} endpoints each", limit=max_endpoints
        )
    endpoint_id, secret = uuid7(), new_secret()
    row = (
        await session.execute(
            insert(WebhookEndpoint)
            .values(
                id=endpoint_id,
                owner_id=owner,
                url=body.url,
                events=sorted(set(body.events)),
                secret_sealed=seal_secret(box, endpoint_id, secret),
                created_by=actor.user_id,
            )
            .returning(*COLUMNS)
        )
    ).one()
    return EndpointCreated(**endpoint_out(row).model_dump(), secret=secret)


async def list_endpoints(session: AsyncSession) -> list[EndpointOut]:
    """What row-level security shows the caller (admins: all), oldest first."""
    rows = await session.execute(select(*COLUMNS).order_by(WebhookEndpoint.id))
    return [endpoint_out(row) for row in rows.all()]


async def visible_endpoint(session: AsyncSession, endpoint_id: uuid.UUID) -> EndpointOut:
    """The endpoint if the caller may see it, else 404."""
    row = (
        await session.execute(select(*COLUMNS).where(WebhookEndpoint.id == endpoint_id))
    ).one_or_none()
    if row is None:
        raise WebhookEndpointNotFound(f"no webhook endpoint {endpoint_id}")
    return endpoint_out(row)


async def delete_endpoint(session: AsyncSession, endpoint_id: uuid.UUID) -> None:
    """Delete it and its delivery log (a user: their own; an admin: any)."""
    gone = await session.scalar(
        delete(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id)
        .returning(WebhookEndpoint.id)
    )
    if gone is None:
        raise WebhookEndpointNotFound(f"no webhook endpoint {endpoint_id}")
