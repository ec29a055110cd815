"""Who may do what: admins, revenue posters, payout settlers, whose payees one reads or claims."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.royalties.errors import RevenueNotAllowed, SettlementNotAllowed, UnknownPayee
from backbeat.royalties.service.access import (
    check_may_post_revenue,
    check_may_settle,
    claimable_payee,
    is_admin,
    readable_payee,
)
from tests.royalties.factories import account, make_user, user_payee

NOBODY = uuid.UUID(int=1)


@dataclass(frozen=True)
class Who:
    role: str = "artist"
    kind: str = "access"
    scopes: tuple[str, ...] = ()
    user_id: uuid.UUID = NOBODY


ADMIN = Who(role="admin")
ADMIN_TOKEN = Who(role="admin", kind="personal_access", scopes=("admin",))
ADMIN_READ_TOKEN = Who(role="admin", kind="personal_access", scopes=("read",))
ARTIST = Who()


class TestIsAdmin:
    @pytest.mark.parametrize(
        ("who", "expected"),
        [(ADMIN, True), (ADMIN_TOKEN, True), (ADMIN_READ_TOKEN, False), (ARTIST, False)],
    )
    def test_an_admins_token_needs_the_admin_scope(self, who: Who, expected: bool) -> None:
        assert is_admin(who) is expected


class TestChecks:
    def test_revenue_needs_an_admin_or_the_revenue_write_scope(self) -> None:
        check_may_post_revenue(ADMIN)
        check_may_post_revenue(Who(kind="personal_access", scopes=("revenue:write",)))
        with pytest.raises(RevenueNotAllowed):
            check_may_post_revenue(ARTIST)

    def test_settling_needs_an_admin_or_the_payouts_write_scope(self) -> None:
        check_may_settle(ADMIN_TOKEN)
        check_may_settle(Who(kind="personal_access", scopes=("payouts:write",)))
        with pytest.raises(SettlementNotAllowed):
            check_may_settle(ADMIN_READ_TOKEN)


class TestPayees:
    async def test_an_admin_reads_any_payee_but_claims_only_their_own(
        self, session: AsyncSession
    ) -> None:
        artist = await make_user(session)
        payee = await user_payee(session, artist)
        admin = Who(role="admin", user_id=(await make_user(session, roles=("admin",))).id)
        found = await readable_payee(session, f"user:{artist.id}", admin)
        assert found == (payee.id, f"user:{artist.id}")
        with pytest.raises(UnknownPayee):
            await claimable_payee(session, str(payee.id), admin)

    async def test_a_user_reads_and_claims_their_own_by_default(
        self, session: AsyncSession
    ) -> None:
        artist = await make_user(session)
        payee = await user_payee(session, artist)
        me = Who(user_id=artist.id)
        assert (await claimable_payee(session, None, me)).id == payee.id
        assert (await readable_payee(session, str(payee.id), me)).label == f"user:{artist.id}"
        with pytest.raises(UnknownPayee):
            await readable_payee(session, "not a payee", me)

    async def test_through_the_api_an_admin_sees_a_strangers_balances(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin, artist = await account(client, session, admin=True), await account(client, session)
        await user_payee(session, artist.user)
        seen = await client.get(f"/v1/payees/user:{artist.user.id}/balances", headers=admin.headers)
        assert seen.status_code == 200, seen.text
        claim = {"asset": "USD", "payee": f"user:{artist.user.id}"}
        refused = await client.post("/v1/payouts", json=claim, headers=admin.headers)
        assert refused.status_code == 404
        assert refused.json()["code"] == "unknown_payee"
