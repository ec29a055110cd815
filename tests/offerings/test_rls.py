"""Row-level security attacked in SQL: offerings, masters and ownership are public; purchases
are the buyer's; money moves only through the functions, which check who calls."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from tests.rls import acting_as, make_track, make_user


async def offering_of(session: AsyncSession, artist: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    """A listed master of `artist` with a 10-share offering; (track, offering)."""
    track = await make_track(session, artist, "public")
    offering = uuid.uuid4()
    await session.execute(
        text("insert into offerings_masters (track_id, state) values (:t, 'listed')"), {"t": track}
    )
    await session.execute(
        text(
            "insert into offerings_offerings (id, track_id, asset, price, total_supply, "
            "artist_reserve, starts_at, ends_at, created_by) values (:o, :t, 'USD', 10, 10, 0, "
            "now() - interval '1 day', now() + interval '1 day', :a)"
        ),
        {"o": offering, "t": track, "a": artist},
    )
    await session.execute(
        text("insert into offerings_tiers values (:o, 1, 1, 10, 100000)"), {"o": offering}
    )
    await session.execute(
        text(
            "insert into offerings_shares (id, offering_id, track_id, token, tier) "
            "select gen_random_uuid(), :o, :t, n, 1 from generate_series(1, 10) n"
        ),
        {"o": offering, "t": track},
    )
    return track, offering


async def buy_as(session: AsyncSession, user: uuid.UUID, offering: uuid.UUID) -> uuid.UUID:
    purchase = uuid.uuid4()
    async with acting_as(session, user, app_role="user"):
        await session.execute(
            text(
                "select * from offerings_buy(:p, :o, 2, 'k', 'external', 100, "
                "interval '1 hour', gen_random_uuid())"
            ),
            {"p": purchase, "o": offering},
        )
    return purchase


async def refused(session: AsyncSession, sql: str, **params: object) -> str:
    savepoint = await session.begin_nested()
    with pytest.raises(DBAPIError) as caught:
        await session.execute(text(sql), params)
    await savepoint.rollback()
    return str(getattr(caught.value.orig, "sqlstate", ""))


class TestOfferingsRls:
    async def test_offerings_and_ownership_are_public(self, session: AsyncSession) -> None:
        artist = await make_user(session, "rls_artist")
        _, offering = await offering_of(session, artist)
        async with acting_as(session):
            for sql in (
                "select count(*) from offerings_offerings where id = :o",
                "select count(*) from offerings_tiers where offering_id = :o",
                "select count(*) from offerings_shares where offering_id = :o",
                "select count(*) from offerings_masters m join offerings_offerings o "
                "on o.track_id = m.track_id where o.id = :o",
                "select count(*) from offerings_pool_tiers t join offerings_offerings o "
                "on o.track_id = t.track_id where o.id = :o",
            ):
                assert (await session.execute(text(sql), {"o": offering})).scalar_one() >= 1, sql

    async def test_purchases_are_the_buyers(self, session: AsyncSession) -> None:
        artist, buyer, other = [await make_user(session, f"rls_{n}") for n in ("a", "b", "c")]
        _, offering = await offering_of(session, artist)
        purchase = await buy_as(session, buyer, offering)
        for who, seen in ((buyer, 1), (other, 0), (artist, 0)):
            async with acting_as(session, who, app_role="user"):
                found = await session.execute(
                    text("select count(*) from offerings_purchases where id = :p"), {"p": purchase}
                )
                assert found.scalar_one() == seen
        async with acting_as(session):
            assert await refused(session, "select count(*) from offerings_purchases") == "42501"

    async def test_nobody_writes_shares_or_money_directly(self, session: AsyncSession) -> None:
        artist, buyer = await make_user(session, "rls_d"), await make_user(session, "rls_e")
        track, offering = await offering_of(session, artist)
        purchase = await buy_as(session, buyer, offering)
        async with acting_as(session, buyer, app_role="user"):
            assert (
                await refused(
                    session,
                    "update offerings_shares set owner_payee_id = null where track_id = :t",
                    t=track,
                )
                == "42501"
            )
            assert (
                await refused(
                    session, "select offerings_pay_purchase(:p, gen_random_uuid(), 'x')", p=purchase
                )
                == "42501"
            )
            assert (
                await refused(
                    session,
                    "select offerings_post(gen_random_uuid(), 'purchase', null, 'sale', "
                    "array['revenue:sale'], 'USD', array[1]::numeric[])",
                )
                == "42501"
            )
            assert (
                await refused(
                    session,
                    "select offerings_settle_purchase(:p, gen_random_uuid(), 'x')",
                    p=purchase,
                )
                == "42501"
            )
            assert (
                await refused(
                    session,
                    "insert into offerings_offerings (id, track_id, asset, price, total_supply, "
                    "artist_reserve, starts_at, ends_at, created_by) "
                    "values (gen_random_uuid(), :t, 'USD', 1, 1, 0, now(), "
                    "now() + interval '1 day', :me)",
                    t=track,
                    me=buyer,
                )
                == "42501"
            )

    async def test_only_the_owner_transfers_a_share(self, session: AsyncSession) -> None:
        artist, buyer, thief = [await make_user(session, f"rls_{n}") for n in ("f", "g", "h")]
        _, offering = await offering_of(session, artist)
        purchase = await buy_as(session, buyer, offering)
        await session.execute(
            text("select offerings_pay_purchase(:p, gen_random_uuid(), 'wire')"), {"p": purchase}
        )
        share = (
            await session.execute(
                text("select id from offerings_shares where purchase_id = :p limit 1"),
                {"p": purchase},
            )
        ).scalar_one()
        thief_payee = (
            await session.execute(text("select offerings_user_payee(:u)"), {"u": thief})
        ).scalar_one()
        async with acting_as(session, thief, app_role="user"):
            assert (
                await refused(
                    session,
                    "select offerings_transfer_share(:s, :to, gen_random_uuid())",
                    s=share,
                    to=thief_payee,
                )
                == "42501"
            )
