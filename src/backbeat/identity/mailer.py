"""Outgoing email behind one small interface; the default writes an outbox row and a log line."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import EmailOutbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Email:
    """One message; the body may hold a single-use token, so it is never logged."""

    to: str
    kind: str
    subject: str
    body: str


class Mailer(Protocol):
    """Sends (or queues) an email inside the caller's transaction."""

    async def send(self, session: AsyncSession, email: Email) -> None: ...


class OutboxMailer:
    """Stores every email in identity_email_outbox; a real mailer can drain it later."""

    async def send(self, session: AsyncSession, email: Email) -> None:
        row = EmailOutbox(
            to_address=email.to, kind=email.kind, subject=email.subject, body=email.body
        )
        session.add(row)
        await session.flush()
        log.info(
            "email queued: kind=%s outbox_id=%s (body in identity_email_outbox)", email.kind, row.id
        )
