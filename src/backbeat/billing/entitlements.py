"""Entitlements: what a user's current plan grants, the one call every domain checks.

A plan's `entitlements` is a JSON object of name → integer, boolean or null. For the limits
(`generation.daily_limit`, `storage.bytes`, `studio.projects`, `studio.collaborators`) null
means unlimited; a name the plan leaves out takes the default below. The plan is the one of the
user's newest subscription in an entitling status (trialing, active, past_due; a manual grant
also until its period ends), else the plan coded `free`, else the defaults alone.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing.models import ENTITLING_STATUSES
from backbeat.reads import Read, ReadSession

FREE_PLAN = "free"
LIMITS = {
    "generation.daily_limit": "generation_daily_limit",
    "storage.bytes": "storage_bytes",
    "studio.projects": "studio_projects",
    "studio.collaborators": "studio_collaborators",
}
"""Integer entitlements (null: unlimited) and their attribute names."""
FLAGS = {
    "live.subscriber_access": "live_subscriber_access",
    "recommendations.premium": "recommendations_premium",
}
"""Boolean entitlements and their attribute names."""
NAMES = (*LIMITS, *FLAGS)
_CACHE = "billing.entitlements"

ENTITLING = (
    f"s.status in ({', '.join(repr(status) for status in ENTITLING_STATUSES)}) "
    "and (s.provider <> 'manual' or s.current_period_end is null or s.current_period_end > now())"
)
"""SQL: subscription `s` grants its plan now (the one definition every billing query uses)."""

_PLANS = f"""(select p.code, p.entitlements, 0 as rank from billing_subscriptions s
   join billing_plans p on p.id = s.plan_id
   where s.user_id = {{user}} and {ENTITLING}
   order by s.created_at desc, s.id desc limit 1)
  union all
  select code, entitlements, 1 from billing_plans where code = '{FREE_PLAN}'"""  # noqa: S608
_CURRENT_PLAN = text(
    "select code, entitlements from ("  # noqa: S608 - constants only
    + _PLANS.format(user=":user")
    + ") plans order by rank limit 1"
)
"""The plan of the newest entitling subscription, else the free plan: one round trip."""


@dataclass(frozen=True)
class Entitlements:
    """What a user may do under their current plan (None in a limit: unlimited)."""

    plan: str = FREE_PLAN
    generation_daily_limit: int | None = 5
    storage_bytes: int | None = None
    live_subscriber_access: bool = False
    recommendations_premium: bool = False
    studio_projects: int | None = None
    studio_collaborators: int | None = None
    granted: frozenset[str] = field(default=frozenset())
    """The names the plan sets itself (the others are the defaults above)."""

    def storage_quota(self, default: int) -> int | None:
        """Bytes per bucket: the plan's `storage.bytes` when it sets one, else `default` (the
        deployment's `media_quota_bytes`); None: unlimited."""
        return self.storage_bytes if "storage.bytes" in self.granted else default

    def as_mapping(self, storage_default: int | None = None) -> dict[str, int | bool | None]:
        """The entitlements by their public names, as the API shows them: storage the plan does
        not set shows the deployment's quota (`storage_default`), never null (unlimited)."""
        shown = {name: getattr(self, attribute) for name, attribute in {**LIMITS, **FLAGS}.items()}
        if storage_default is not None and "storage.bytes" not in self.granted:
            shown["storage.bytes"] = storage_default
        return shown

    @classmethod
    def of_plan(cls, plan: str, values: Mapping[str, Any]) -> Entitlements:
        """A plan's entitlements over the defaults; values of the wrong type are ignored."""
        chosen: dict[str, Any] = {}
        for name, value in values.items():
            if not problems_of(name, value):
                chosen[(LIMITS | FLAGS)[name]] = value
        granted = frozenset(n for n in NAMES if (LIMITS | FLAGS)[n] in chosen)
        return cls(plan=plan, granted=granted, **chosen)


def problems_of(name: str, value: object) -> list[str]:
    """Why a plan may not set `name` to `value` (empty: it may)."""
    if name in LIMITS:
        if value is None or (type(value) is int and value >= 0):
            return []
        return [f"{name} is a limit: a non-negative integer, or null for unlimited"]
    if name in FLAGS:
        return [] if isinstance(value, bool) else [f"{name} is a boolean"]
    return [f"{name} is not an entitlement (known: {', '.join(NAMES)})"]


def within(limit: int | None, used: int) -> bool:
    """Whether one more fits under a limit that `used` already counts against."""
    return limit is None or used < limit


async def entitlements(session: AsyncSession, user_id: uuid.UUID) -> Entitlements:
    """The user's entitlements now (one query; cached in the session until billing changes)."""
    cache: dict[uuid.UUID, Entitlements] = session.info.setdefault(_CACHE, {})
    found = cache.get(user_id)
    if found is None:
        row = (
            await session.execute(
                _CURRENT_PLAN,
                {"user": user_id},
            )
        ).first()
        found = Entitlements.of_plan(row[0], row[1]) if row else Entitlements()
        cache[user_id] = found
    return found


def forget_entitlements(session: AsyncSession) -> None:
    """Drop the session's cached entitlements (after a change to subscriptions or plans)."""
    session.info.pop(_CACHE, None)


DEFAULTS_JSON = json.dumps(Entitlements().as_mapping())
"""The defaults, as the JSON a plan's entitlements are merged over."""


def defaults_sql(storage_param: str) -> str:
    """The defaults in SQL, with the deployment's storage quota bound as `storage_param`
    (a plan that sets no `storage.bytes` gets that quota, not unlimited)."""
    return (
        f"('{DEFAULTS_JSON}'::jsonb || "
        f"jsonb_build_object('storage.bytes', cast({storage_param} as bigint)))"
    )


MY_ENTITLEMENTS = Read(
    "select coalesce((select json_build_object('plan', code, 'entitlements', "  # noqa: S608
    f"{defaults_sql('%(storage)s')} || entitlements) from ("
    + _PLANS.format(user="(select auth.uid())")
    + f") plans order by rank limit 1), json_build_object('plan', '{FREE_PLAN}', "
    f"'entitlements', {defaults_sql('%(storage)s')}))::text"
)
"""GET /v1/me/entitlements in one round trip: the same plan choice and defaults as
`entitlements()` (plans are checked when defined, so their values have the right types)."""


async def my_entitlements_json(read: ReadSession, *, storage_default: int) -> str:
    """The caller's entitlements as the API shows them."""
    found = await read.one(MY_ENTITLEMENTS, storage=storage_default)
    assert found is not None  # coalesce always gives a row
    return found
