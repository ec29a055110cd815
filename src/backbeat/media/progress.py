"""Upload progress: each upload's realtime channel and event, and its server-sent event stream."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.db import session_scope
from backbeat.media import service
from backbeat.media.models import Upload
from backbeat.media.service import MediaContext
from backbeat.realtime import Broker

TERMINAL = ("complete", "failed")
SSE_RECHECK_SECONDS = 15.0


def upload_channel(upload_id: uuid.UUID) -> str:
    """The realtime channel an upload's progress is published on."""
    return f"media.upload:{upload_id}"


def upload_event(upload: Upload) -> str:
    """The JSON an SSE subscriber receives for a state change."""
    return json.dumps(
        {
            "id": str(upload.id),
            "state": upload.state,
            "progress": upload.progress,
            "offset": upload.offset,
            "length": upload.length,
            "object_id": str(upload.object_id) if upload.object_id else None,
            "failure_code": upload.failure_code,
            "failure_reason": upload.failure_reason,
        }
    )


async def publish(broker: Broker, upload: Upload) -> None:
    """Tell the upload's subscribers where it is now (after the change is committed)."""
    await broker.publish(upload_channel(upload.id), upload_event(upload))


async def follow_upload(
    session: AsyncSession, ctx: MediaContext, upload_id: uuid.UUID, *, actor: uuid.UUID
) -> AsyncIterator[str]:
    """The caller's upload as server-sent events: its state now, then each change until it ends.

    The first state is read in the request's transaction (so a 404 is still an answer); the
    stream runs after it, with short owner transactions of its own.
    """
    upload = await service.upload_status(session, upload_id, actor=actor)
    return _events(ctx, upload_id, upload_event(upload), upload.state)


async def _events(
    ctx: MediaContext, upload_id: uuid.UUID, snapshot: str, state: str
) -> AsyncIterator[str]:
    yield f"event: upload\ndata: {snapshot}\n\n"
    if state in TERMINAL:
        return
    async with ctx.broker.subscribe(upload_channel(upload_id)) as subscription:
        while True:
            try:
                message = await subscription.next(timeout=SSE_RECHECK_SECONDS)
            except TimeoutError:
                final = await _recheck(ctx, upload_id)
                if final is None:
                    yield ": keep-alive\n\n"
                    continue
                message = final
            yield f"event: upload\ndata: {message}\n\n"
            if json.loads(message)["state"] in TERMINAL:
                return


async def _recheck(ctx: MediaContext, upload_id: uuid.UUID) -> str | None:
    """After a quiet spell, the stored state if it is final (an event may have been missed)."""
    async with session_scope(ctx.database) as session:
        upload = await session.get(Upload, upload_id)
    if upload is None or upload.state in TERMINAL:
        return upload_event(upload) if upload else None
    return None
