"""`python -m bench offerings`: a Master IPO under a buyers' race, then revenue paying holders.

1. 200 buyers race through the real API (uvicorn subprocess, committed database) for a
   1,000-share offering: each buys 2 shares at a time from its balance until `sold_out`. Prints
   purchases/s, shares sold (must equal the supply, each token once) and the tier each buyer
   got by arrival (a buyer's first token says when the offering's lock served it).
2. 100,000 revenue events through the royalty engine on 1,000 masters that have holders (a
   1,000-share offering each: the artist's reserve of 100, 8 buyers across the four tiers, one
   resale mid-period), against the same events on the same masters without offerings (a clone
   with the ownership history removed). Target: holders / without >= 0.7.

`BENCH_OFFERINGS_EVENTS` sets the number of events (e.g. 20000 for a quick run).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg

from backbeat.config import Settings
from backbeat.db import Database
from backbeat.embedded import DatabaseUrls
from backbeat.identity.models import uuid7
from backbeat.royalties import tasks
from bench.royalties import EVENTS_COPY, _copy, clone
from bench.support import api_server, migrated_database, ratio_line

BUYERS = 200
SUPPLY = 1_000
PER_PURCHASE = 2
PRICE = 100
MASTERS = 1_000
HOLDERS = 8
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
SETTINGS = Settings(royalty_batch_size=20_000)
PASSWORD = "correct horse battery staple"  # noqa: S105 - a throwaway benchmark account


# 1. The race ------------------------------------------------------------------------------


async def signup(client: httpx.AsyncClient, name: str) -> tuple[str, str]:
    """(user id, access token) of a new account."""
    response = await client.post(
        "/v1/auth/signup",
        json={
            "email": f"{name}@example.com",
            "password": PASSWORD,
            "username": name,
            "display_name": name,
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["user"]["id"], body["access_token"]


async def accounts(client: httpx.AsyncClient, count: int) -> list[tuple[str, str]]:
    gate = asyncio.Semaphore(8)

    async def one(n: int) -> tuple[str, str]:
        async with gate:
            return await signup(client, f"buyer{n}_{uuid.uuid4().hex[:6]}")

    return list(await asyncio.gather(*(one(n) for n in range(count))))


def seed_track(owner: str, artist: str, buyers: list[str], funds: int) -> str:
    """A track whose sheets pay the artist, and each buyer's balance (a balanced transfer)."""
    with psycopg.connect(owner) as conn:
        track = str(uuid.uuid4())
        conn.execute(
            "insert into catalog_tracks (id, title, artist, sample_type, created_by) "
            "values (%s, 'Race', 'Artist', 'song', %s)",
            [track, artist],
        )
        for user in buyers:
            conn.execute(
                "select offerings_post(gen_random_uuid(), 'allocation', null, 'other', "
                "array['revenue:other', 'payee:' || offerings_user_payee(%s)], 'USD', "
                "array[-%s, %s]::numeric[])",
                [user, funds, funds],
            )
    return track


async def open_offering(client: httpx.AsyncClient, track: str, token: str, supply: int) -> str:
    """locked → IPO (default tiers, no reserve) → minted → listed; returns the offering id."""
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/v1/masters/{track}"
    assert (
        await client.post(f"{url}/transitions", json={"to": "locked"}, headers=headers)
    ).is_success
    now = datetime.now(UTC)
    created = await client.post(
        f"{url}/offering",
        headers=headers,
        json={
            "price": str(PRICE),
            "asset": "USD",
            "total_supply": supply,
            "artist_reserve": 0,
            "starts_at": (now - timedelta(minutes=1)).isoformat(),
            "ends_at": (now + timedelta(days=1)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    for to in ("minted", "listed"):
        assert (
            await client.post(f"{url}/transitions", json={"to": to}, headers=headers)
        ).is_success
    return str(created.json()["id"])


async def race(
    client: httpx.AsyncClient, offering: str, tokens: list[str], quantity: int
) -> tuple[list[dict[str, Any]], int, float]:
    """Every buyer buys `quantity` at a time until sold out: (paid purchases, refusals, s)."""
    paid: list[dict[str, Any]] = []
    refused = 0

    async def buyer(token: str) -> None:
        nonlocal refused
        headers = {"Authorization": f"Bearer {token}"}
        while True:
            response = await client.post(
                f"/v1/offerings/{offering}/purchases",
                headers=headers,
                json={
                    "quantity": quantity,
                    "method": "balance",
                    "idempotency_key": uuid.uuid4().hex,
                },
            )
            if response.status_code == 409 and response.json()["code"] == "sold_out":
                refused += 1
                return
            assert response.status_code == 201, response.text
            paid.append({**response.json(), "buyer": token})

    started = time.perf_counter()
    await asyncio.gather(*(buyer(token) for token in tokens))
    return paid, refused, time.perf_counter() - started


def tiers_by_arrival(paid: list[dict[str, Any]]) -> list[str]:
    """Buyers ordered by their first token (when the lock served them) and the tier they got."""
    first: dict[str, tuple[int, int]] = {}
    for purchase in paid:
        token, tier = min((s["token"], s["tier"]) for s in purchase["shares"])
        if purchase["buyer"] not in first or token < first[purchase["buyer"]][0]:
            first[purchase["buyer"]] = (token, tier)
    ordered = sorted(first.values())
    lines, start = [], 0
    for rank, (_, tier) in enumerate(ordered, start=1):
        if rank == len(ordered) or ordered[rank][1] != tier:
            lines.append(f"  buyers #{start + 1}-#{rank} by arrival: first share in tier {tier}")
            start = rank
    return lines


def sold_tokens(owner: str, offering: str) -> list[int]:
    with psycopg.connect(owner) as conn:
        rows = conn.execute(
            "select token from offerings_shares where offering_id = %s and status = 'minted' "
            "order by token",
            [offering],
        ).fetchall()
    return [row[0] for row in rows]


async def sale(urls: DatabaseUrls, base: str) -> list[str]:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        (artist, artist_token), *buyers = await accounts(client, BUYERS + 1)
        track = seed_track(urls.owner, artist, [b for b, _ in buyers], SUPPLY * PRICE)
        offering = await open_offering(client, track, artist_token, SUPPLY)
        paid, refused, seconds = await race(client, offering, [t for _, t in buyers], PER_PURCHASE)
    tokens = sold_tokens(urls.owner, offering)
    sold = sum(len(p["shares"]) for p in paid)
    assert tokens == list(range(1, SUPPLY + 1)), "every token sold exactly once"
    assert sold == SUPPLY and refused == BUYERS
    return [
        f"{BUYERS} buyers, {SUPPLY}-share offering, {PER_PURCHASE} shares a purchase, balance",
        f"purchases/s {len(paid) / seconds:10.0f}  ({len(paid)} paid + {refused} sold_out in "
        f"{seconds:.2f} s)",
        f"shares sold {sold} of {SUPPLY}; tokens 1..{SUPPLY} each minted once: yes",
        *tiers_by_arrival(paid),
    ]


# 2. Revenue with holders vs without -------------------------------------------------------


def build_masters(owner: str, events: int) -> None:
    """Masters with two-payee sheets, offerings with holders and a resale, and the events."""
    rng = random.Random(11)
    users = [uuid.uuid4() for _ in range(MASTERS * 2)]
    with psycopg.connect(owner) as conn:
        _copy(
            conn,
            "copy identity_users (id, username) from stdin",
            [f"{u}\tm{i}_{u.hex[:8]}\n" for i, u in enumerate(users)],
        )
        _copy(conn, "copy catalog_payees (id, user_id) from stdin", [f"{u}\t{u}\n" for u in users])
        tracks = [uuid.uuid4() for _ in range(MASTERS)]
        _copy(
            conn,
            "copy catalog_tracks (id, title, artist, sample_type, created_by) from stdin",
            [f"{t}\tM{i}\tArtist\tsong\t{users[i]}\n" for i, t in enumerate(tracks)],
        )
        versions, entries = [], []
        for i, track in enumerate(tracks):
            for sheet in ("composition", "production"):
                version = uuid.uuid4()
                versions.append(f"{version}\t{track}\t{sheet}\t1\t{EPOCH.isoformat()}\tactive\n")
                for position, payee in enumerate((users[i], users[MASTERS + i])):
                    entries.append(f"{version}\t{position}\t{payee}\tother\t500000\n")
        _copy(
            conn,
            "copy catalog_split_versions (id, track_id, sheet, version, effective_from, "
            "status) from stdin",
            versions,
        )
        _copy(
            conn,
            "copy catalog_split_entries (version_id, position, payee_id, role, "
            "share_ppm) from stdin",
            entries,
        )
        for i, track in enumerate(tracks):
            holders = rng.sample(users, HOLDERS)
            offer_master(conn, track, users[i], holders, rng.choice(users))
        lines = []
        for n in range(events):
            when = EPOCH + timedelta(seconds=rng.randrange(60 * 86_400))
            lines.append(
                f"{uuid7()}\tbench\tk{n}\t-\t{rng.choice(tracks)}\tstream\t"
                f"{rng.randint(1, 100_000)}\tUSD\t{when.isoformat()}\n"
            )
        _copy(conn, EVENTS_COPY, lines)


def offer_master(
    conn: psycopg.Connection[Any],
    track: uuid.UUID,
    artist: uuid.UUID,
    holders: list[uuid.UUID],
    resold_to: uuid.UUID,
) -> None:
    """A 1,000-share offering with default tiers; the reserve and 8 buyers' shares minted at the
    epoch (tokens 1, 2, 11, 12, 51, 52, 101, 102), token 1 resold after 30 days."""
    offering = uuid.uuid4()
    conn.execute("insert into offerings_masters (track_id, state) values (%s, 'listed')", [track])
    conn.execute(
        "insert into offerings_offerings (id, track_id, asset, price, total_supply, "
        "artist_reserve, starts_at, ends_at, created_by, reserve_minted_at) values "
        "(%s, %s, 'USD', 100, 1000, 100, %s, %s, %s, %s)",
        [offering, track, EPOCH, EPOCH + timedelta(days=365), artist, EPOCH],
    )
    conn.execute(
        "insert into offerings_tiers (offering_id, tier, first_token, last_token, pool_ppm) "
        "values (%s, 1, 1, 10, 100000), (%s, 2, 11, 50, 50000), (%s, 3, 51, 100, 30000), "
        "(%s, 4, 101, 1000, 10000)",
        [offering] * 4,
    )
    conn.execute(
        "insert into offerings_shares (id, offering_id, track_id, token, tier) "
        "select gen_random_uuid(), %s, %s, n, case when n <= 10 then 1 when n <= 50 then 2 "
        "when n <= 100 then 3 else 4 end from generate_series(1, 1000) n",
        [offering, track],
    )
    owners = [(t, h) for t, h in zip((1, 2, 11, 12, 51, 52, 101, 102), holders, strict=True)]
    owners += [(t, artist) for t in range(901, 1001)]
    conn.execute(
        "insert into offerings_share_transfers (id, share_id, track_id, to_payee_id, kind, at) "
        "select gen_random_uuid(), s.id, s.track_id, o.payee, 'mint', %s from offerings_shares s "
        "join unnest(%s::int[], %s::uuid[]) as o(token, payee) on o.token = s.token "
        "where s.offering_id = %s",
        [EPOCH, [t for t, _ in owners], [p for _, p in owners], offering],
    )
    conn.execute(
        "insert into offerings_share_transfers (id, share_id, track_id, from_payee_id, "
        "to_payee_id, kind, at) select gen_random_uuid(), s.id, s.track_id, %s, %s, 'transfer', "
        "%s from offerings_shares s where s.offering_id = %s and s.token = 1",
        [holders[0], resold_to, EPOCH + timedelta(days=30), offering],
    )


def without_offerings(urls: DatabaseUrls) -> None:
    """Removes the ownership history: the views then give the engine no pools at all."""
    with psycopg.connect(urls.owner) as conn:
        conn.execute("delete from offerings_share_transfers")


def run_engine(urls: DatabaseUrls) -> float:
    async def work() -> float:
        database = Database.connect(urls, pool_size=2)
        try:
            started = time.perf_counter()
            await tasks.distribute(database, SETTINGS)
            return time.perf_counter() - started
        finally:
            await database.dispose()

    return asyncio.run(work())


def legs_of(urls: DatabaseUrls) -> int:
    with psycopg.connect(urls.owner) as conn:
        found = conn.execute("select count(*) from royalties_legs").fetchone()
    assert found is not None
    return int(found[0])


def revenue(urls: DatabaseUrls, events: int) -> list[str]:
    build_masters(urls.owner, events)
    plain = clone(urls, "bench_offerings_plain")
    without_offerings(plain)
    with_holders = run_engine(urls)
    without = run_engine(plain)
    rate_with, rate_without = events / with_holders, events / without
    legs_with, legs_without = legs_of(urls), legs_of(plain)
    return [
        f"{events} events on {MASTERS} masters (2 payees a sheet; {HOLDERS} holders + the "
        "artist's reserve of 100 in 4 tiers, one resale)",
        f"with holders      {rate_with:10.0f} events/s  ({with_holders:.1f} s, "
        f"{legs_with / with_holders:8.0f} legs/s, {legs_with} legs)",
        f"without offerings {rate_without:10.0f} events/s  ({without:.1f} s, "
        f"{legs_without / without:8.0f} legs/s, {legs_without} legs)",
        ratio_line("holders / without", rate_with, rate_without, 0.7),
        ratio_line("legs/s holders / without", legs_with / with_holders, legs_without / without),
    ]


def run() -> list[str]:
    events = int(os.environ.get("BENCH_OFFERINGS_EVENTS", "100000"))
    with migrated_database("backbeat_bench_offerings") as urls:
        with api_server(urls, BACKBEAT_RATE_LIMIT_IP_PER_MINUTE="100000") as base:
            lines = asyncio.run(sale(urls, base))
        return [*lines, *revenue(urls, events)]
