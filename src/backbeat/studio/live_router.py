"""Live presence of a project: the WebSocket and who is there now."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, WebSocket

from backbeat.edge import AppSettings, DbRead, json_text, state_of
from backbeat.identity.auth import CurrentUser
from backbeat.live_sockets import serve
from backbeat.studio import live
from backbeat.studio.schemas import PresencePage
from backbeat.studio.service import project_json

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["studio"])


@router.get("/presence", response_model=PresencePage)
async def get_presence(
    project_id: uuid.UUID, read: DbRead, user: CurrentUser, settings: AppSettings
) -> Response:
    """Devices on the project's live socket (seen within the heartbeat timeout)."""
    timeout = settings.studio_presence_timeout_seconds
    return json_text(await project_json.read_presence(read, project_id, timeout_seconds=timeout))


@router.websocket("/live")
async def project_live(websocket: WebSocket, project_id: uuid.UUID) -> None:
    """First message `{type: "hello", token, device_id}`; then presence and heartbeats."""
    state = state_of(websocket.app)
    timeout = state.settings.studio_presence_timeout_seconds
    await serve(
        websocket,
        live.authenticator(project_id),
        live.handler(state.require_database(), state.require_broker(), timeout),
        idle_timeout=timeout,
    )
