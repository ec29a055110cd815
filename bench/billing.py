"""`python -m bench billing`: billing's reads through the API against the same SQL, with wrk.

The same harness as `bench http` (demo data, the server pinned to one core and wrk to the other,
each endpoint against a bare FastAPI app running its SQL and against raw psycopg): the public
plans, demo user nova's subscription (pro, a manual grant) and her entitlements.
"""

from __future__ import annotations

from backbeat.billing.entitlements import FREE_PLAN, MY_ENTITLEMENTS
from backbeat.billing.service.plans import PLANS_READ
from backbeat.billing.service.subscriptions import MY_SUBSCRIPTION
from bench.http import (
    ROUNDS,
    Endpoint,
    api_target,
    bare_target,
    baseline_spec,
    best_of,
    endpoint_lines,
    load_demo,
    raw,
    run_once,
)
from bench.support import migrated_database, ratio_line
from bench.wrk import WrkResult, pinning_note


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("GET /v1/plans (anonymous)", "/v1/plans", False, PLANS_READ, {}),
        Endpoint(
            "GET /v1/me/subscription (bearer)",
            "/v1/me/subscription",
            True,
            MY_SUBSCRIPTION,
            {"free": FREE_PLAN},
        ),
        Endpoint(
            "GET /v1/me/entitlements (bearer)",
            "/v1/me/entitlements",
            True,
            MY_ENTITLEMENTS,
            {},
        ),
    ]


def run() -> list[str]:
    """Each endpoint through the API and the bare app, alternating, best of ROUNDS; ratios."""
    lines = [pinning_note(), f"wrk as in `bench http`, best of {ROUNDS}"]
    ours: list[WrkResult] = []
    with migrated_database("backbeat_bench_billing") as urls:
        load_demo(urls)
        points = endpoints()
        with api_target(urls, points) as (api, claims):
            spec_json = baseline_spec(urls, claims, points)
            with bare_target(spec_json, points) as bare:
                for index, point in enumerate(points):
                    mine = [run_once(api, index) for _ in range(ROUNDS)]
                    hand = [run_once(bare, index) for _ in range(ROUNDS)]
                    ours.append(best_of(mine))
                    lines += endpoint_lines(
                        point, best_of(mine), best_of(hand), raw(spec_json, index)
                    )
    plans, granted = ours[0], ours[2]
    lines.append(
        ratio_line(
            "entitlements (bearer) / plans (anonymous)", granted.per_second, plans.per_second
        )
    )
    return lines
