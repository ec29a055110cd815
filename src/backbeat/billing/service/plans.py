"""Plans and prices: the public list, lookups by code or lookup key, and defining a plan."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing.entitlements import defaults_sql, forget_entitlements, problems_of
from backbeat.billing.errors import AdminsOnly, InvalidEntitlements, PlanNotFound
from backbeat.billing.models import Plan, Price
from backbeat.reads import Read, ReadSession


def plan_json(storage_param: str) -> str:
    """A plan as the API shows it: its entitlements over the defaults (the deployment's storage
    quota bound as `storage_param`), its prices."""
    return f"""json_build_object(
  'code', p.code, 'name', p.name, 'description', p.description, 'trial_days', p.trial_days,
  'entitlements', {defaults_sql(storage_param)} || p.entitlements,
  'prices', coalesce((select json_agg(json_build_object('interval', r.interval,
      'amount_minor', r.amount_minor, 'asset', r.asset, 'lookup_key', r.lookup_key)
      order by r.interval, r.asset) from billing_prices r where r.plan_id = p.id), '[]'))"""  # noqa: S608


PLANS_READ = Read(f"""select json_build_object('items', coalesce(json_agg({plan_json("%(storage)s")}
  order by p.sort_order, p.code), '[]'))::text
from billing_plans p where p.is_public""")  # noqa: S608 - constants only
ONE_PLAN = text(f"select {plan_json(':storage')}::text from billing_plans p where p.id = :plan")  # noqa: S608


async def plans_json(read: ReadSession, *, storage_default: int) -> str:
    """GET /v1/plans: `{items: [...]}`."""
    found = await read.one(PLANS_READ, storage=storage_default)
    assert found is not None  # an aggregate always returns its row
    return found


@dataclass(frozen=True)
class PriceSpec:
    interval: str
    amount_minor: int
    asset: str
    provider_price_id: str | None = None


async def plan_by_code(session: AsyncSession, code: str) -> Plan:
    """A plan by its code, or 404."""
    plan = await session.scalar(select(Plan).where(Plan.code == code))
    if plan is None:
        raise PlanNotFound(f"There is no plan {code!r}.")
    return plan


async def price_of(session: AsyncSession, plan: Plan, interval: str) -> Price:
    """A plan's price for an interval, or 404."""
    price = await session.scalar(
        select(Price).where(Price.plan_id == plan.id, Price.interval == interval).limit(1)
    )
    if price is None:
        raise PlanNotFound(f"Plan {plan.code!r} has no {interval}ly price.")
    return price


async def plan_for_price(
    session: AsyncSession, lookup_key: str | None, provider_price_id: str | None
) -> Plan | None:
    """The plan a provider's price stands for: by the price's lookup key or id, else the plan
    whose code is the lookup key."""
    if lookup_key is None and provider_price_id is None:
        return None
    found = await session.scalar(
        select(Plan)
        .join(Price, Price.plan_id == Plan.id)
        .where(or_(Price.lookup_key == lookup_key, Price.stripe_price_id == provider_price_id))
        .limit(1)
    )
    if found is None and lookup_key is not None:
        found = await session.scalar(select(Plan).where(Plan.code == lookup_key))
    return found


def check_entitlements(values: Mapping[str, Any]) -> None:
    """Refuse entitlements of the wrong type (422, every problem named)."""
    problems = [p for name, value in values.items() for p in problems_of(name, value)]
    if problems:
        raise InvalidEntitlements("; ".join(problems), problems=problems)


async def define_plan(
    session: AsyncSession,
    code: str,
    name: str,
    entitlements: Mapping[str, Any],
    prices: Sequence[PriceSpec] = (),
    *,
    description: str = "",
    trial_days: int = 0,
    is_public: bool = True,
    sort_order: int = 0,
) -> uuid.UUID:
    """Create or update a plan and its prices (lookup key `<code>_<interval>`)."""
    check_entitlements(entitlements)
    values = {
        "code": code,
        "name": name,
        "description": description,
        "entitlements": dict(entitlements),
        "trial_days": trial_days,
        "is_public": is_public,
        "sort_order": sort_order,
    }
    statement = insert(Plan).values(**values)
    plan_id = await session.scalar(
        statement.on_conflict_do_update(index_elements=["code"], set_=values).returning(Plan.id)
    )
    assert plan_id is not None
    for spec in prices:
        await _define_price(session, plan_id, code, spec)
    forget_entitlements(session)
    return plan_id


async def _define_price(
    session: AsyncSession, plan_id: uuid.UUID, code: str, spec: PriceSpec
) -> None:
    values = {
        "plan_id": plan_id,
        "interval": spec.interval,
        "asset": spec.asset,
        "amount_minor": spec.amount_minor,
        "lookup_key": f"{code}_{spec.interval}",
        "stripe_price_id": spec.provider_price_id,
    }
    statement = insert(Price).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            constraint="uq_billing_prices_plan_interval",
            set_={"amount_minor": spec.amount_minor, "stripe_price_id": spec.provider_price_id},
        )
    )


async def put_plan(
    session: AsyncSession,
    code: str,
    name: str,
    entitlements: Mapping[str, Any],
    prices: Sequence[PriceSpec],
    *,
    description: str,
    trial_days: int,
    is_public: bool,
    sort_order: int,
    actor_role: str,
    storage_default: int,
) -> str:
    """An admin defines or updates a plan; the plan as the API shows it."""
    if actor_role != "admin":
        raise AdminsOnly("Only an admin may define plans.")
    plan_id = await define_plan(
        session,
        code,
        name,
        entitlements,
        prices,
        description=description,
        trial_days=trial_days,
        is_public=is_public,
        sort_order=sort_order,
    )
    return str(await session.scalar(ONE_PLAN, {"plan": plan_id, "storage": storage_default}))
