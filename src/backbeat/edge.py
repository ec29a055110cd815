"""The edge every domain shares: the typed app and request state, and the request dependencies."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar, cast

from fastapi import Depends, FastAPI, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.config import Settings
from backbeat.db import Claims, Database, begin_as_caller
from backbeat.observability import Metrics
from backbeat.reads import ReadSession

if TYPE_CHECKING:
    from backbeat.realtime import Broker

T = TypeVar("T")
ClaimsResolver = Callable[[Request], Awaitable[Claims]]


@dataclass(frozen=True)
class Slot(Generic[T]):
    """A typed place in the app state for one domain's component (declared by that domain)."""

    name: str


@dataclass
class AppState:
    """Everything an app was built with; domains add their own parts as typed components."""

    settings: Settings
    metrics: Metrics
    claims_resolver: ClaimsResolver
    migration_heads: set[str]
    database: Database | None = None
    broker: Broker | None = None
    components: dict[str, Any] = field(default_factory=dict)

    def provide(self, slot: Slot[T], component: T) -> None:
        """Put a domain's component in its slot (one component per slot)."""
        self.components[slot.name] = component

    def component(self, slot: Slot[T]) -> T:
        """A domain's component: typed by its slot, without the core knowing the domain."""
        return cast(T, self.components[slot.name])

    def require_database(self) -> Database:
        """The database; only None before the lifespan has opened it."""
        if self.database is None:
            raise RuntimeError("the app's lifespan has not opened the database yet")
        return self.database

    def require_broker(self) -> Broker:
        """The realtime broker, opened by the lifespan."""
        if self.broker is None:
            raise RuntimeError("the app's lifespan has not opened the broker yet")
        return self.broker


@dataclass
class RequestScope:
    """What one request learned about its caller (set once by the claims resolver)."""

    claims: Claims | None = None
    caller: Any = None  # identity's Caller; typed by identity.auth's accessors


def install_state(app: FastAPI, state: AppState) -> None:
    """Attach the app's state: the only write to `app.state`."""
    app.state.backbeat = state


def state_of(app: FastAPI) -> AppState:
    """The app's state: the only read of `app.state`."""
    state = app.state.backbeat
    assert isinstance(state, AppState)
    return state


def app_state(request: Request) -> AppState:
    """The state of the app serving this request."""
    return state_of(request.app)


def request_scope(request: Request) -> RequestScope:
    """This request's scope, made on first use: the only use of `request.state`."""
    scope = getattr(request.state, "backbeat", None)
    if scope is None:
        scope = RequestScope()
        request.state.backbeat = scope
    assert isinstance(scope, RequestScope)
    return scope


async def settings_of(request: Request) -> Settings:
    """The app's settings (async: a sync dependency would cost a thread hop per request)."""
    return app_state(request).settings


async def state_dependency(request: Request) -> AppState:
    """The app's state as a dependency (async, so no thread hop)."""
    return app_state(request)


AppSettings = Annotated[Settings, Depends(settings_of)]
State = Annotated[AppState, Depends(state_dependency)]


async def request_claims(request: Request) -> Claims:
    """The caller's claims, resolved once per request by the resolver the app installed."""
    scope = request_scope(request)
    if scope.claims is None:
        scope.claims = await app_state(request).claims_resolver(request)
    return scope.claims


RequestClaims = Annotated[Claims, Depends(request_claims)]
"""Whoever calls: a signed-in user's claims, or anonymous ones."""


async def get_session(request: Request, claims: RequestClaims) -> AsyncIterator[AsyncSession]:
    """One transaction per request, as the caller's role; committed before the response."""
    database = app_state(request).require_database()
    async with database.api_sessions() as session, session.begin():
        await begin_as_caller(session, claims)
        yield session


DbSession = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def read_session(request: Request, claims: RequestClaims) -> ReadSession:
    """The caller's lean reads: one round trip each, no ORM session, no transaction to open."""
    return ReadSession(app_state(request).require_database().reader, claims)


DbRead = Annotated[ReadSession, Depends(read_session)]
JSON_MEDIA_TYPE = "application/json"


def json_text(body: str, status_code: int = 200) -> Response:
    """A response whose body PostgreSQL already built (documented by the route's response_model)."""
    return Response(body, status_code=status_code, media_type=JSON_MEDIA_TYPE)
