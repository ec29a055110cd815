"""Liveness, readiness and metrics."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from backbeat.app import create_app
from backbeat.db import Database
from backbeat.edge import state_of
from tests.conftest import settings_for_tests


class TestHealth:
    async def test_healthz_answers(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


class TestReadiness:
    async def test_ready_when_migrated_to_head(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/readyz")
        assert response.status_code == 200
        body = response.json()
        assert body["database"] and body["migrations_current"]
        assert body["revision"]

    async def test_not_ready_when_schema_is_behind(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        state_of(app).migration_heads = {"a_revision_from_the_future"}
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["migrations_current"] is False

    async def test_not_ready_when_database_unreachable(self, database: Database) -> None:
        urls = type(database.urls)(
            owner=database.urls.owner, api="postgresql://nobody@/backbeat?host=/nonexistent"
        )
        broken = Database.connect(urls, pool_size=1)
        app = create_app(settings_for_tests(), database=broken)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            response = await http.get("/readyz")
        await broken.dispose()
        assert response.status_code == 503
        assert response.json()["database"] is False


class TestMetrics:
    async def test_requests_are_counted_by_route_template(self, client: httpx.AsyncClient) -> None:
        await client.get("/healthz")
        await client.get("/healthz")
        await client.get("/missing/123")
        text = (await client.get("/metrics")).text
        assert (
            'backbeat_http_requests_total{method="GET",route="/healthz",status="200"} 2.0' in text
        )
        assert 'route="unmatched",status="404"' in text
        assert "backbeat_http_request_duration_seconds_bucket" in text

    async def test_docs_are_served(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/docs")).status_code == 200
        schema = (await client.get("/openapi.json")).json()
        assert "/readyz" in schema["paths"]
