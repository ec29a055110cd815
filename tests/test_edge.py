"""The shared edge: NUL refused once for every text field, privilege errors never a 500."""

from __future__ import annotations

import httpx
import pytest

from backbeat.middleware import nul_in_body


async def signed_in(client: httpx.AsyncClient, name: str) -> dict[str, str]:
    body = {"email": f"{name}@example.com", "username": name, "password": "edge-Passw0rd-long!"}
    response = await client.post("/v1/auth/signup", json=body)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.mark.parametrize(
    ("body", "form", "refused"),
    [
        (rb'{"name": "a\u0000b"}', False, True),
        (rb'{"deep": [{"x": "\u0000"}]}', False, True),
        (rb'{"name": "a\\u0000b"}', False, False),  # an escaped backslash: the text \u0000
        (rb'{"name": "a\\\u0000b"}', False, True),  # backslash, then a real NUL escape
        (rb'{"name": "plain"}', False, False),
        (b"name=a%00b", True, True),
        (b"name=a%2500b", True, False),
    ],
)
def test_nul_detection(body: bytes, form: bool, refused: bool) -> None:
    assert nul_in_body(body, form) is refused


class TestNulRefusedAtTheEdge:
    async def test_a_connection_token_with_nul_is_a_422(self, client: httpx.AsyncClient) -> None:
        headers = await signed_in(client, "nul_connection")
        response = await client.put(
            "/v1/me/connections/spotify", json={"access_token": "a\x00b"}, headers=headers
        )
        assert response.status_code == 422
        assert response.json()["code"] == "validation_error"
        assert "NUL" in response.json()["detail"]

    async def test_a_token_name_with_nul_is_a_422(self, client: httpx.AsyncClient) -> None:
        headers = await signed_in(client, "nul_token")
        body = {"name": "ci\x00", "scopes": ["read"]}
        response = await client.post("/v1/me/tokens", json=body, headers=headers)
        assert response.status_code == 422

    async def test_nul_in_the_path_or_query_is_a_422(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/v1/users/a%00b")).status_code == 422
        assert (await client.get("/v1/tracks", params={"q": "a\x00"})).status_code == 422

    async def test_clean_text_still_passes(self, client: httpx.AsyncClient) -> None:
        headers = await signed_in(client, "nul_clean")
        body = {"name": "ci \\u0000 as text", "scopes": ["read"]}
        response = await client.post("/v1/me/tokens", json=body, headers=headers)
        assert response.status_code == 201, response.text
        assert response.json()["name"] == "ci \\u0000 as text"


class TestPrivilegeErrors:
    async def test_an_anonymous_upload_status_is_a_401_not_a_500(
        self, client: httpx.AsyncClient
    ) -> None:
        for path in ("", "/events"):
            response = await client.get(f"/v1/uploads/01930000-0000-7000-8000-000000000000{path}")
            assert response.status_code in (401, 404), response.text
