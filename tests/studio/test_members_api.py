"""Members over HTTP: invite by username or e-mail, accept, list, remove."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.identity.factories import last_email, token_in
from tests.studio.factories import add_member, new_project, new_user


class TestInvite:
    async def test_by_username_then_accepted(self, client: httpx.AsyncClient) -> None:
        owner, guest = await new_user(client), await new_user(client)
        project = await new_project(client, owner)
        invited = await client.post(
            f"/v1/projects/{project['id']}/members",
            json={"username": guest.username, "role": "editor"},
            headers=owner.headers,
        )
        assert invited.status_code == 201, invited.text
        assert (
            invited.json()["status"] == "pending" and invited.json()["project_id"] == project["id"]
        )
        assert (
            await client.get(f"/v1/projects/{project['id']}", headers=guest.headers)
        ).status_code == 404
        mine = (await client.get("/v1/me/project-invitations", headers=guest.headers)).json()[
            "items"
        ]
        assert [i["id"] for i in mine] == [invited.json()["id"]]
        assert mine[0]["project_name"] == "Night Session"
        accepted = await client.post(
            f"/v1/project-invitations/{mine[0]['id']}/accept", headers=guest.headers
        )
        assert accepted.json()["role"] == "editor"
        members = (
            await client.get(f"/v1/projects/{project['id']}/members", headers=guest.headers)
        ).json()
        assert [(m["username"], m["role"]) for m in members["items"]] == [
            (owner.username, "owner"),
            (guest.username, "editor"),
        ]
        assert (await client.get("/v1/me/project-invitations", headers=guest.headers)).json()[
            "items"
        ] == []

    async def test_by_email_reaches_the_verified_address_only(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        owner, guest = await new_user(client), await new_user(client)
        project = await new_project(client, owner)
        invited = await client.post(
            f"/v1/projects/{project['id']}/members",
            json={"email": guest.email.upper(), "role": "viewer"},
            headers=owner.headers,
        )
        assert invited.status_code == 201, invited.text
        assert (await client.get("/v1/me/project-invitations", headers=guest.headers)).json()[
            "items"
        ] == []
        token = token_in((await last_email(session, guest.email)).body)
        assert (
            await client.post("/v1/auth/email/verify", json={"token": token})
        ).status_code == 204
        mine = (await client.get("/v1/me/project-invitations", headers=guest.headers)).json()[
            "items"
        ]
        assert len(mine) == 1
        accepted = await client.post(
            f"/v1/project-invitations/{mine[0]['id']}/accept", headers=guest.headers
        )
        assert accepted.status_code == 200
        assert (await client.get(f"/v1/projects/{project['id']}", headers=guest.headers)).json()[
            "role"
        ] == "viewer"

    async def test_an_unknown_email_is_accepted_without_telling(
        self, client: httpx.AsyncClient
    ) -> None:
        owner = await new_user(client)
        project = await new_project(client, owner)
        invited = await client.post(
            f"/v1/projects/{project['id']}/members",
            json={"email": "nobody-here@example.com", "role": "viewer"},
            headers=owner.headers,
        )
        assert invited.status_code == 201

    async def test_only_the_owner_invites(self, client: httpx.AsyncClient) -> None:
        owner, editor, guest = [await new_user(client) for _ in range(3)]
        project = await new_project(client, owner)
        await add_member(client, owner, project["id"], editor, "editor")
        response = await client.post(
            f"/v1/projects/{project['id']}/members",
            json={"username": guest.username, "role": "editor"},
            headers=editor.headers,
        )
        assert response.status_code == 403

    async def test_a_second_pending_invitation_is_a_conflict(
        self, client: httpx.AsyncClient
    ) -> None:
        owner, guest = await new_user(client), await new_user(client)
        project = await new_project(client, owner)
        body = {"username": guest.username, "role": "viewer"}
        url = f"/v1/projects/{project['id']}/members"
        assert (await client.post(url, json=body, headers=owner.headers)).status_code == 201
        assert (await client.post(url, json=body, headers=owner.headers)).status_code == 409

    async def test_someone_elses_invitation_cannot_be_accepted(
        self, client: httpx.AsyncClient
    ) -> None:
        owner, guest, thief = [await new_user(client) for _ in range(3)]
        project = await new_project(client, owner)
        invited = await client.post(
            f"/v1/projects/{project['id']}/members",
            json={"username": guest.username, "role": "editor"},
            headers=owner.headers,
        )
        stolen = await client.post(
            f"/v1/project-invitations/{invited.json()['id']}/accept", headers=thief.headers
        )
        assert stolen.status_code == 404


class TestRemove:
    async def test_owner_removes_and_member_leaves(self, client: httpx.AsyncClient) -> None:
        owner, a, b = [await new_user(client) for _ in range(3)]
        project = await new_project(client, owner)
        await add_member(client, owner, project["id"], a, "editor")
        await add_member(client, owner, project["id"], b, "viewer")
        assert (
            await client.delete(f"/v1/projects/{project['id']}/members/{a.id}", headers=b.headers)
        ).status_code == 403
        assert (
            await client.delete(
                f"/v1/projects/{project['id']}/members/{a.id}", headers=owner.headers
            )
        ).status_code == 204
        assert (
            await client.delete(f"/v1/projects/{project['id']}/members/{b.id}", headers=b.headers)
        ).status_code == 204
        assert (
            await client.get(f"/v1/projects/{project['id']}", headers=a.headers)
        ).status_code == 404
        assert (
            await client.get(f"/v1/projects/{project['id']}", headers=b.headers)
        ).status_code == 404
