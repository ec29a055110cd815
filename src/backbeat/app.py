"""The application factory: lifespan, middleware, error handling and every router."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager

from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute

from backbeat import __version__, jobs
from backbeat.billing import router as billing_router
from backbeat.billing import webhook_router
from backbeat.catalog import router as catalog_router
from backbeat.config import Settings
from backbeat.db import Database
from backbeat.edge import AppState, install_state, state_of
from backbeat.embedded import resolve_urls
from backbeat.health import migration_heads
from backbeat.health import router as health_router
from backbeat.identity import account_router as identity_account_router
from backbeat.identity import router as identity_router
from backbeat.identity.auth import IDENTITY, resolve_claims
from backbeat.identity.service.context import IdentityContext
from backbeat.library import playlist_router
from backbeat.library import router as library_router
from backbeat.listening import lb_router as listenbrainz_router
from backbeat.listening import router as listening_router
from backbeat.media.router import STORAGE
from backbeat.media.router import router as media_router
from backbeat.media.service import storage_for
from backbeat.middleware import BodyLimitMiddleware, NulTextMiddleware, RequestContextMiddleware
from backbeat.observability import Metrics
from backbeat.offerings import coin_router
from backbeat.offerings import router as offerings_router
from backbeat.problems import install_error_handlers
from backbeat.realtime import create_broker
from backbeat.royalties import router as royalties_router
from backbeat.studio import live_router as studio_live_router
from backbeat.studio import me_router as studio_me_router
from backbeat.studio import router as studio_router
from backbeat.studio import workspace_router as studio_workspace_router
from backbeat.taste import band_router, generation_router
from backbeat.taste import radio_router as taste_radio_router
from backbeat.taste import router as taste_router

log = logging.getLogger(__name__)

DESCRIPTION = """Backbeat: catalog, royalties, media and live features for music creator platforms.
Errors are `application/problem+json` documents with a stable `code`."""


UPLOAD_PREFIXES = ("/v1/storage/",)
"""Upload routes stream their bodies and enforce each bucket's own limit while they do."""
LISTENBRAINZ_PREFIXES = ("/1/",)
"""The ListenBrainz-compatible API refuses NUL in a body itself, with ListenBrainz's message."""


DOMAIN_ROUTERS = (
    catalog_router.router,
    identity_account_router.router,
    royalties_router.router,
    listening_router.router,
    taste_router.router,
    taste_radio_router.router,
    listenbrainz_router.router,
    library_router.router,
    playlist_router.router,
    coin_router.router,
    media_router,
    health_router,
    identity_router.router,
    studio_router.router,
    studio_workspace_router.router,
    studio_live_router.router,
    studio_me_router.router,
    generation_router.router,
    band_router.router,
    webhook_router.router,
    billing_router.router,
    offerings_router.router,
)
"""Every domain's routes, the most read first."""


def route_table(routers: Sequence[APIRouter]) -> list[BaseRoute]:
    """One flat table, reads first. FastAPI scans the table in order for every request (and an
    included router twice), so a hot read found early costs microseconds less; the table is
    unambiguous (tests/test_app_routes.py: no two routes can match one request), so the order
    changes speed only, never which route answers."""
    routes = [route for router in routers for route in router.routes]
    return sorted(routes, key=lambda route: "GET" not in getattr(route, "methods", ()))


def create_app(settings: Settings, *, database: Database | None = None) -> FastAPI:
    """Build the app; a given database (tests) is used as is and not disposed."""
    metrics = Metrics()
    app = FastAPI(
        title="Backbeat",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan_for(settings, database),
    )
    state = AppState(settings, metrics, resolve_claims, migration_heads(), database=database)
    state.provide(IDENTITY, IdentityContext.from_settings(settings))
    state.provide(STORAGE, storage_for(settings))
    install_state(app, state)
    install_error_handlers(app)
    app.router.routes.extend(route_table(DOMAIN_ROUTERS))
    app.add_middleware(NulTextMiddleware, body_exempt_prefixes=LISTENBRAINZ_PREFIXES)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        exempt_prefixes=UPLOAD_PREFIXES,
    )
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    return app


Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def lifespan_for(settings: Settings, given: Database | None) -> Lifespan:
    """Open the database, the realtime broker and (optionally) a job worker for the app's life."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = state_of(app)
        database = given or Database.connect(
            resolve_urls(settings),
            pool_size=settings.db_pool_size,
            prepared_reads=settings.prepared_reads,
        )
        state.database = database
        state.broker = create_broker(owner_uri=database.urls.owner, redis_url=settings.redis_url)
        worker = start_worker(settings, database)
        freeze_startup_objects()
        try:
            yield
        finally:
            await stop_worker(worker)
            await state.broker.close()
            await state.component(IDENTITY).limiter.close()
            if given is None:
                await database.dispose()

    return lifespan


def freeze_startup_objects() -> None:
    """Move everything loaded at startup (~200k objects: FastAPI, pydantic, numpy, scipy) out of
    the garbage collector's reach: a full collection over them takes ~70 ms, which showed up as
    the p99 of every endpoint; objects made later are collected as usual."""
    gc.collect()
    gc.freeze()


def start_worker(settings: Settings, database: Database) -> asyncio.Task[None] | None:
    """Run jobs inside this process when configured to (the default for `backbeat serve`)."""
    if not settings.run_worker:
        return None
    coroutine = jobs.run_worker(
        database, concurrency=settings.worker_concurrency, settings=settings
    )
    return asyncio.create_task(coroutine, name="job-worker")


async def stop_worker(worker: asyncio.Task[None] | None) -> None:
    """Cancel the in-process worker; procrastinate lets running jobs finish or retry."""
    if worker is None:
        return
    worker.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await worker


def app_from_environment() -> FastAPI:
    """Uvicorn's factory: settings from the environment (what `backbeat serve` sets up)."""
    return create_app(Settings())
