"""API shapes of royalties: amounts are integer strings in the asset's minor unit."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    GetCoreSchemaHandler,
    StringConstraints,
    Tag,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import CoreSchema, core_schema

Source = Literal["stream", "download", "sale", "license", "sync", "tip", "dividend", "other"]
Amount = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,78}$")]
"""A non-negative integer in minor units, as a string so 78-digit wei amounts survive JSON."""
SignedAmount = str


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RevenueEventIn(Strict):
    """One revenue event; exactly one of track_id and isrc."""

    idempotency_key: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    track_id: uuid.UUID | None = None
    isrc: Annotated[str, StringConstraints(max_length=20)] | None = None
    source: Source
    amount: Amount
    asset: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,12}$")]
    occurred_at: AwareDatetime
    territory: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    reference: Annotated[str, StringConstraints(max_length=200)] | None = None

    @model_validator(mode="after")
    def _one_track(self) -> RevenueEventIn:
        if (self.track_id is None) == (self.isrc is None):
            raise ValueError("give exactly one of track_id and isrc")
        return self


@dataclass(frozen=True)
class UnreadableEvent:
    """An event that breaks the schema: refused on its own, never failing its whole batch."""

    idempotency_key: str | None
    detail: str

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        """Only `read_event` makes these: no schema of its own in the OpenAPI document."""
        return core_schema.is_instance_schema(cls)


def read_event(raw: object) -> RevenueEventIn | UnreadableEvent:
    """The event, or why it cannot be read (a negative amount is named: a refund is not revenue)."""
    if not isinstance(raw, Mapping):
        return UnreadableEvent(None, "an event is a JSON object")
    key = raw.get("idempotency_key")
    key = key if isinstance(key, str) else None
    amount = raw.get("amount")
    if isinstance(amount, str) and amount.strip().startswith("-"):
        return UnreadableEvent(key, "amount must be >= 0 (a refund is not revenue)")
    try:
        return RevenueEventIn.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return UnreadableEvent(key, f"{where}: {first['msg']}" if where else first["msg"])


def _read_each(value: object, _: ValidatorFunctionWrapHandler) -> RevenueEventIn | UnreadableEvent:
    if not isinstance(value, dict):
        raise ValueError("an event is a JSON object")  # the request's shape, not one event's
    return read_event(value)


RevenueEventItem = Annotated[
    RevenueEventIn | SkipJsonSchema[UnreadableEvent], WrapValidator(_read_each)
]
"""An event of a request: documented as `RevenueEventIn`, read leniently by `read_event`."""


class RevenueBatchIn(BaseModel):
    """Up to 1000 events; each is accepted or refused on its own (other keys are ignored)."""

    events: Annotated[list[RevenueEventItem], Field(min_length=1, max_length=1000)]


def _body_kind(value: object) -> str:
    return "batch" if isinstance(value, dict) and "events" in value else "event"


RevenueBody = Annotated[
    Annotated[RevenueEventItem, Tag("event")] | Annotated[RevenueBatchIn, Tag("batch")],
    Discriminator(_body_kind),
]
"""`POST /v1/revenue-events`: one event, or `{events: [...]}` (a body with `events` is a batch)."""


class EventResult(BaseModel):
    """What happened to one event of a request: accepted, duplicate (first result) or refused."""

    index: int
    idempotency_key: str | None
    status: Literal["accepted", "duplicate", "rejected"]
    event_id: uuid.UUID | None = None
    code: str | None = None
    detail: str | None = None


class RevenueResults(BaseModel):
    results: list[EventResult]


class RevenueEventOut(BaseModel):
    id: uuid.UUID
    idempotency_key: str
    track_id: uuid.UUID
    source: str
    amount: str
    asset: str
    occurred_at: datetime
    territory: str | None
    reference: str | None
    status: str
    revision: int
    created_at: datetime
    allocated_at: datetime | None


class ReceiptRevisionOut(BaseModel):
    """One allocation of the event (revision 2+ are restatements)."""

    revision: int
    transfer_id: uuid.UUID
    plan_id: str
    receipt_hash: str
    created_at: datetime
    inputs: dict[str, Any]
    allocation: dict[str, Any]


class ReceiptOut(BaseModel):
    event: RevenueEventOut
    revisions: list[ReceiptRevisionOut]


class BalanceOut(BaseModel):
    payee: str
    asset: str
    available: str
    in_payouts: str
    lifetime: str


class BalancesOut(BaseModel):
    balances: list[BalanceOut]


class StatementLine(BaseModel):
    kind: Literal["earnings", "correction", "payout", "purchase"]
    track_id: uuid.UUID | None
    source: str | None
    asset: str
    amount: str
    transfers: int


class StatementTotal(BaseModel):
    asset: str
    opening: str
    earnings: str
    corrections: str
    payouts: str
    purchases: str = "0"
    closing: str


class StatementOut(BaseModel):
    payee: str
    period_from: datetime | None
    period_to: datetime | None
    lines: list[StatementLine]
    totals: list[StatementTotal]


class EarningLine(BaseModel):
    account: str
    payee: str | None
    asset: str
    amount: str


class EarningsOut(BaseModel):
    track_id: uuid.UUID
    period_from: datetime | None
    period_to: datetime | None
    revenue: list[EarningLine]
    earnings: list[EarningLine]


class PayoutIn(Strict):
    asset: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,12}$")]
    payee: str | None = None
    amount: Amount | None = None


class PayoutSettleIn(Strict):
    note: Annotated[str, StringConstraints(max_length=500)] | None = None


class PayoutOut(BaseModel):
    id: uuid.UUID
    payee: str
    asset: str
    amount: str
    status: str
    requested_at: datetime
    settled_at: datetime | None
    external_reference: str | None
    failure_reason: str | None


class PayoutsOut(BaseModel):
    payouts: list[PayoutOut]
