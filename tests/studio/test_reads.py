"""Every studio hot read validates against the response model it documents."""

from __future__ import annotations

import httpx
from pydantic import BaseModel

from backbeat.studio.me_schemas import PresetOut, PresetPage
from backbeat.studio.schemas import PresencePage, ProjectOut, ProjectPage, VersionPage
from tests.studio.factories import new_project, new_user, patch


def strict(model: type[BaseModel], response: httpx.Response) -> BaseModel:
    assert response.status_code == 200, response.text
    return model.model_validate_json(response.content, strict=False)


async def test_lean_reads_match_their_models(client: httpx.AsyncClient) -> None:
    owner = await new_user(client)
    created = await new_project(client, owner, bpm=120.5, key="Am", tags=["a"], target_lufs=-14)
    pid = created["id"]
    await patch(client, owner, pid, 1, [{"op": "add", "path": "/x", "value": 1}])
    lean = strict(ProjectOut, await client.get(f"/v1/projects/{pid}", headers=owner.headers))
    assert lean.model_dump(
        exclude={"version", "updated_at", "last_saved_at", "document", "document_bytes"}
    ) == (
        ProjectOut.model_validate(created).model_dump(
            exclude={"version", "updated_at", "last_saved_at", "document", "document_bytes"}
        )
    )
    strict(ProjectPage, await client.get("/v1/projects", headers=owner.headers))
    for params in ({}, {"since": 0}):
        page = strict(
            VersionPage,
            await client.get(f"/v1/projects/{pid}/versions", params=params, headers=owner.headers),
        )
        assert isinstance(page, VersionPage) and len(page.items) == 2
    strict(PresencePage, await client.get(f"/v1/projects/{pid}/presence", headers=owner.headers))
    made = await client.post(
        "/v1/plugin-presets",
        json={"name": "p", "plugin_type": "MixxTune", "parameters": {}},
        headers=owner.headers,
    )
    strict(
        PresetOut,
        await client.get(f"/v1/plugin-presets/{made.json()['id']}", headers=owner.headers),
    )
    strict(PresetPage, await client.get("/v1/plugin-presets", headers=owner.headers))
