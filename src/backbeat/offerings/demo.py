"""Demo offering: a demo master locked and IPO'd with the default tiers, 60 shares sold to demo
users over ten days, one share resold, a month of daily revenue paying the holders, and a
dividend. Idempotent: a second run finds the offering and adds nothing."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import uuid7
from backbeat.offerings.prorata import dividend_receipt, receipt_hash, split_pro_rata
from backbeat.offerings.tiers import DEFAULT_TIERS, resolve_tiers
from backbeat.royalties.accounts import PAYEE_PREFIX, payee_account
from backbeat.royalties.distribution import Planner, distribute_batch
from backbeat.royalties.rights import Policy

SUBMITTER = "demo-offerings"
BUYERS = ("mia", "leo", "kaito")
SUPPLY, RESERVE, PRICE = 1000, 100, 500
DIVIDEND = 10_000

MASTER_SQL = """
select t.id, t.created_by from catalog_tracks t join identity_users u on u.id = t.created_by
where t.import_key like 'demo:%' and u.username = 'nova' and t.deleted_at is null
order by t.import_key limit 1
"""


async def load_offerings_demo(session: AsyncSession) -> list[str]:
    master = (await session.execute(text(MASTER_SQL))).one_or_none()
    if master is None:
        return ["no demo track of nova: run the catalog demo first"]
    track, artist = master
    found = await session.execute(
        text("select id from offerings_offerings where track_id = :t"), {"t": track}
    )
    if found.scalar_one_or_none() is None:
        now = (await session.execute(text("select now()"))).scalar_one()
        offering = await _offer(session, track, artist, now)
        await _sell(session, offering, track, now)
        await _resell(session, track, now)
        await _month_of_revenue(session, track, now)
        planner = Planner(Policy())
        while await distribute_batch(session, planner, 5000):
            pass
        await _dividend(session, track, artist)
    return await _report(session, track)


async def _as(session: AsyncSession, user: object) -> None:
    """auth.uid() is `user` for the functions that ask who calls (the owner bypasses RLS)."""
    claims = json.dumps({"sub": str(user), "app_role": "user"}) if user else ""
    await session.execute(text("select set_config('request.jwt.claims', :c, true)"), {"c": claims})


async def _offer(session: AsyncSession, track: Any, artist: Any, now: datetime) -> uuid.UUID:
    """draft → locked → IPO → minted → listed, audited as the artist, 40 days ago."""
    offering = uuid7()
    await session.execute(
        text(
            "insert into offerings_masters (track_id, state, genre, mood_tags, published_at) "
            "values (:t, 'listed', 'electronic', array['warm', 'driving'], :at) "
            "on conflict (track_id) do update set state = 'listed', published_at = :at"
        ),
        {"t": track, "at": now - timedelta(days=40)},
    )
    for before, after in (("draft", "locked"), ("locked", "minted"), ("minted", "listed")):
        await session.execute(
            text(
                "insert into offerings_master_transitions (id, track_id, from_state, to_state, "
                "actor_id, at) values (:id, :t, :f, :to, :a, :at)"
            ),
            {
                "id": uuid7(),
                "t": track,
                "f": before,
                "to": after,
                "a": artist,
                "at": now - timedelta(days=40),
            },
        )
    await session.execute(
        text(
            "insert into offerings_offerings (id, track_id, asset, price, total_supply, "
            "artist_reserve, starts_at, ends_at, created_by) values (:o, :t, 'USD', :p, :n, :r, "
            ":start, :end, :a)"
        ),
        {
            "o": offering,
            "t": track,
            "p": PRICE,
            "n": SUPPLY,
            "r": RESERVE,
            "a": artist,
            "start": now - timedelta(days=40),
            "end": now + timedelta(days=60),
        },
    )
    for tier in resolve_tiers(DEFAULT_TIERS, SUPPLY):
        await session.execute(
            text("insert into offerings_tiers values (:o, :tier, :first, :last, :pool)"),
            {
                "o": offering,
                "tier": tier.tier,
                "first": tier.first,
                "last": tier.last,
                "pool": tier.pool_ppm,
            },
        )
        await session.execute(
            text(
                "insert into offerings_shares (id, offering_id, track_id, token, tier) "
                "select gen_random_uuid(), :o, :t, n, :tier "
                "from generate_series(cast(:first as int), cast(:last as int)) n"
            ),
            {"o": offering, "t": track, "tier": tier.tier, "first": tier.first, "last": tier.last},
        )
    await session.execute(text("select offerings_mint_reserve(:o)"), {"o": offering})
    await _dated(session, track, now - timedelta(days=40))
    return offering


async def _dated(session: AsyncSession, track: Any, at: datetime) -> None:
    """The demo loads in one transaction (one now()): the mints just made happened at `at`."""
    await session.execute(
        text(
            "update offerings_share_transfers set at = :at where track_id = :t and at = now() "
            "and kind = 'mint'"
        ),
        {"t": track, "at": at},
    )


async def _sell(session: AsyncSession, offering: uuid.UUID, track: Any, now: datetime) -> None:
    """12 purchases of 5 shares, one a day from 38 days ago, paid by external settlement."""
    buyers = (
        (
            await session.execute(
                text(
                    "select id from identity_users where username = any(:names) order by username"
                ),
                {"names": list(BUYERS)},
            )
        )
        .scalars()
        .all()
    )
    for n in range(12):
        buyer = buyers[n % len(buyers)]
        purchase = uuid7()
        await _as(session, buyer)
        await session.execute(
            text(
                "select * from offerings_buy(:p, :o, 5, :key, 'external', 100, "
                "interval '1 hour', gen_random_uuid())"
            ),
            {"p": purchase, "o": offering, "key": f"demo-{n}"},
        )
        await _as(session, None)
        await session.execute(
            text("select offerings_pay_purchase(:p, gen_random_uuid(), :ref)"),
            {"p": purchase, "ref": f"demo payment {n}"},
        )
        await _dated(session, track, now - timedelta(days=38 - n))


async def _resell(session: AsyncSession, track: Any, now: datetime) -> None:
    """Token 1 passes from its buyer to nova's fellow artist kaito, 15 days ago."""
    share = (
        await session.execute(
            text(
                "select s.id, s.owner_payee_id from offerings_shares s "
                "where s.track_id = :t and s.token = 1"
            ),
            {"t": track},
        )
    ).one()
    kaito = (
        await session.execute(
            text("select offerings_user_payee(id) from identity_users where username = 'kaito'")
        )
    ).scalar_one()
    await session.execute(
        text(
            "insert into offerings_share_transfers (id, share_id, track_id, from_payee_id, "
            "to_payee_id, kind, at) values (:id, :s, :t, :from, :to, 'transfer', :at)"
        ),
        {
            "id": uuid7(),
            "s": share.id,
            "t": track,
            "from": share.owner_payee_id,
            "to": kaito,
            "at": now - timedelta(days=15),
        },
    )
    await session.execute(
        text("update offerings_shares set owner_payee_id = :to where id = :s"),
        {"to": kaito, "s": share.id},
    )


async def _month_of_revenue(session: AsyncSession, track: Any, now: datetime) -> None:
    rows = [
        {
            "id": uuid7(),
            "who": SUBMITTER,
            "key": f"{SUBMITTER}:{day}",
            "track": track,
            "amount": 2_000 + 37 * day,
            "at": now - timedelta(days=30 - day),
        }
        for day in range(30)
    ]
    await session.execute(
        text(
            "insert into royalties_revenue_events (id, submitted_by, idempotency_key, body_hash, "
            "track_id, source, amount, asset, occurred_at) "
            "values (:id, :who, :key, '-', :track, 'stream', :amount, 'USD', :at)"
        ),
        rows,
    )


async def _dividend(session: AsyncSession, track: Any, artist: Any) -> None:
    """The artist shares 100.00 USD of the proceeds with every holder, pro rata."""
    holders = (
        await session.execute(text("select * from offerings_lock_holders(:t)"), {"t": track})
    ).all()
    dividend = uuid7()
    lines = split_pro_rata(
        DIVIDEND, [(payee_account(p), int(n)) for p, n in holders], salt=str(dividend)
    )
    receipt = dividend_receipt(str(dividend), str(track), DIVIDEND, "USD", lines)
    paid = [line for line in lines if line.credit]
    await _as(session, artist)
    await session.execute(
        text(
            "select offerings_pay_dividend(:id, :t, :amount, 'USD', 'balance', 'demo', '-', "
            "gen_random_uuid(), cast(:payees as uuid[]), cast(:amounts as numeric[]), "
            "cast(:receipt as jsonb), :hash)"
        ),
        {
            "id": dividend,
            "t": track,
            "amount": DIVIDEND,
            "payees": [line.account.removeprefix(PAYEE_PREFIX) for line in paid],
            "amounts": [str(line.credit) for line in paid],
            "receipt": json.dumps(receipt),
            "hash": receipt_hash(receipt),
        },
    )
    await _as(session, None)


async def _report(session: AsyncSession, track: Any) -> list[str]:
    row = (
        await session.execute(
            text(
                "select (select count(*) from offerings_shares where track_id = :t "
                "and status = 'minted' and purchase_id is not null), "
                "(select count(*) from offerings_share_transfers where track_id = :t "
                "and kind = 'transfer'), "
                "(select count(*) from royalties_revenue_events where submitted_by = :who "
                "and status = 'allocated'), "
                "(select count(*) from offerings_dividends where track_id = :t)"
            ),
            {"t": track, "who": SUBMITTER},
        )
    ).one()
    sold, resold, events, dividends = row
    return [
        f"master {track}: {sold} shares sold, {resold} resold, {events} revenue events "
        f"allocated to holders, {dividends} dividend"
    ]
