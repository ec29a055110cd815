"""Every error leaves as problem+json with a stable code, and no internals."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from pydantic import BaseModel, Field

from backbeat.app import create_app
from backbeat.errors import Conflict, snake_case
from tests.conftest import settings_for_tests


class Payload(BaseModel):
    name: str = Field(min_length=1)
    count: int


def error_app(max_body_bytes: int = 2048) -> FastAPI:
    """The real app plus routes that fail on purpose."""
    app = create_app(settings_for_tests(max_body_bytes=max_body_bytes))

    @app.post("/echo")
    async def echo(payload: Payload) -> Payload:
        return payload

    @app.get("/conflict")
    async def conflict() -> None:
        raise Conflict("the track was changed by someone else", current_version=3)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    return app


@pytest_asyncio.fixture(loop_scope="session")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=error_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:backbeat:problem:{code}"
    assert body["title"] and body["detail"]
    assert response.headers["x-request-id"]
    return body


class TestProblemDocuments:
    async def test_unknown_route_is_404(self, http: httpx.AsyncClient) -> None:
        body = assert_problem(await http.get("/no/such/route"), 404, "not_found")
        assert "/no/such/route" in str(body["detail"])

    async def test_wrong_method_is_405(self, http: httpx.AsyncClient) -> None:
        assert_problem(await http.delete("/healthz"), 405, "method_not_allowed")

    async def test_bad_payload_is_422_without_echoing_input(self, http: httpx.AsyncClient) -> None:
        response = await http.post("/echo", json={"name": "", "count": "hunter2-secret"})
        body = assert_problem(response, 422, "validation_error")
        assert "hunter2" not in response.text
        assert isinstance(body["errors"], list) and len(body["errors"]) == 2

    async def test_malformed_json_is_422(self, http: httpx.AsyncClient) -> None:
        response = await http.post(
            "/echo", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert_problem(response, 422, "validation_error")

    async def test_declared_body_over_limit_is_413(self, http: httpx.AsyncClient) -> None:
        response = await http.post("/echo", content=b"x" * 4096)
        assert_problem(response, 413, "payload_too_large")

    async def test_streamed_body_over_limit_is_413(self, http: httpx.AsyncClient) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b'{"name": "' + b"x" * 1000

        response = await http.post(
            "/echo", content=chunks(), headers={"content-type": "application/json"}
        )
        assert_problem(response, 413, "payload_too_large")

    async def test_app_error_carries_its_code_and_extras(self, http: httpx.AsyncClient) -> None:
        body = assert_problem(await http.get("/conflict"), 409, "conflict")
        assert body["current_version"] == 3

    async def test_unexpected_error_is_500_without_internals(
        self, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        response = await http.get("/boom", headers={"x-request-id": "req-boom-1"})
        assert_problem(response, 500, "internal_error")
        assert "hunter2" not in response.text and "Traceback" not in response.text
        assert response.headers["x-request-id"] == "req-boom-1"
        assert any("hunter2" in (r.exc_text or "") or r.exc_info for r in caplog.records)


class TestRequestIds:
    async def test_safe_incoming_id_is_echoed(self, http: httpx.AsyncClient) -> None:
        response = await http.get("/healthz", headers={"x-request-id": "abc-123"})
        assert response.headers["x-request-id"] == "abc-123"

    async def test_unsafe_incoming_id_is_replaced(self, http: httpx.AsyncClient) -> None:
        response = await http.get("/healthz", headers={"x-request-id": "evil\tvalue"})
        assert response.headers["x-request-id"] != "evil\tvalue"
        assert len(response.headers["x-request-id"]) == 32


class TestSnakeCase:
    @pytest.mark.parametrize(
        ("name", "code"),
        [("NotFound", "not_found"), ("MfaRequired", "mfa_required"), ("Conflict", "conflict")],
    )
    def test_class_names_become_codes(self, name: str, code: str) -> None:
        assert snake_case(name) == code
