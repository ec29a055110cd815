"""The coins API: admins mirror coins and their transfers; everyone reads coins and holders."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.offerings.coin_chain import ZERO_ADDRESS
from backbeat.offerings.coin_schemas import CoinOut
from tests.offerings.coin_factories import address, coin_body, log, mint
from tests.royalties.factories import Account, account, personal_token


@pytest.fixture
async def admin(client: httpx.AsyncClient, session: AsyncSession) -> Account:
    return await account(client, session, admin=True)


async def new_coin(client: httpx.AsyncClient, admin: Account, **fields: Any) -> dict[str, Any]:
    artist = fields.pop("artist", f"user:{admin.user.id}")
    response = await client.post(
        "/v1/admin/coins", json=coin_body(artist, **fields), headers=admin.headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def transfer(
    client: httpx.AsyncClient, admin: Account, coin_id: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"/v1/admin/coins/{coin_id}/transfers", json={**log(), **body}, headers=admin.headers
    )


class TestCreateCoin:
    async def test_an_admin_mirrors_a_coin_with_a_checksummed_address(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        contract = address("contract")
        created = await new_coin(client, admin, contract_address=contract.lower())
        assert created["contract_address"] == contract
        assert created["artist"] == f"user:{admin.user.id}"
        assert (created["total_supply"], created["holder_count"], created["pools"]) == ("0", 0, [])
        fetched = await client.get(f"/v1/coins/{created['id']}")
        assert CoinOut.model_validate_json(fetched.text) == CoinOut.model_validate(created)

    async def test_one_coin_per_artist_and_per_contract(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        first = await new_coin(client, admin)
        again = await client.post(
            "/v1/admin/coins",
            json=coin_body(f"user:{admin.user.id}", contract_address=address("other")),
            headers=admin.headers,
        )
        same_contract = await client.post(
            "/v1/admin/coins",
            json=coin_body(address("a wallet artist"), contract_address=first["contract_address"]),
            headers=admin.headers,
        )
        assert again.status_code == same_contract.status_code == 409
        assert again.json()["code"] == "coin_exists"

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("contract_address", "0x52908400098527886E0F7030069857D2E4169ee8"),  # bad checksum
            ("contract_address", "0x1234"),
            ("artist", "nobody"),
            ("artist", "user:00000000-0000-4000-8000-000000000000"),
            ("decimals", 78),
            ("symbol", "TOO LONG SYMBOL"),
        ],
    )
    async def test_bad_fields_are_named(
        self, client: httpx.AsyncClient, admin: Account, field: str, value: Any
    ) -> None:
        body = {**coin_body(f"user:{admin.user.id}"), field: value}
        response = await client.post("/v1/admin/coins", json=body, headers=admin.headers)
        assert response.status_code == 422
        assert field in response.text

    async def test_only_admins_write(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Account
    ) -> None:
        user = await account(client, session)
        body = coin_body(f"user:{user.user.id}")
        assert (await client.post("/v1/admin/coins", json=body)).status_code == 401
        refused = await client.post("/v1/admin/coins", json=body, headers=user.headers)
        assert (refused.status_code, refused.json()["code"]) == (403, "chain_mirror_admin_only")
        token = await personal_token(client, admin, "revenue:write")
        by_token = await client.post(
            "/v1/admin/coins", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert by_token.status_code == 403  # an admin's token needs the admin scope


class TestTransfers:
    async def test_mints_transfers_and_burns_keep_supply_equal_to_balances(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        coin = await new_coin(client, admin)
        alice, bob = address("alice"), address("bob")
        minted = await mint(client, admin.headers, coin["id"], alice, 10**24)
        assert minted.status_code == 201, minted.text
        assert minted.json()["total_supply"] == str(10**24)
        moved = await transfer(
            client, admin, coin["id"], sender=alice, recipient=bob, amount=str(4 * 10**23)
        )
        burned = await transfer(
            client, admin, coin["id"], sender=bob, recipient=ZERO_ADDRESS, amount=str(10**23)
        )
        assert moved.status_code == burned.status_code == 201
        assert burned.json()["total_supply"] == str(9 * 10**23)
        holders = (await client.get(f"/v1/coins/{coin['id']}/holders")).json()
        assert holders["total_supply"] == str(9 * 10**23) and holders["holder_count"] == 2
        assert [(h["address"], h["balance"], h["share"]) for h in holders["items"]] == [
            (alice, str(6 * 10**23), "66.6667"),
            (bob, str(3 * 10**23), "33.3333"),
        ]

    async def test_a_transfer_beyond_the_balance_is_refused(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        coin = await new_coin(client, admin)
        await mint(client, admin.headers, coin["id"], address("alice"), 5)
        refused = await transfer(
            client, admin, coin["id"], sender=address("alice"), recipient=address("b"), amount="6"
        )
        assert (refused.status_code, refused.json()["code"]) == (409, "coin_transfer_refused")
        assert (await client.get(f"/v1/coins/{coin['id']}")).json()["total_supply"] == "5"

    async def test_a_replayed_log_answers_the_first_result_and_changes_nothing(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        coin = await new_coin(client, admin)
        body = {"sender": ZERO_ADDRESS, "recipient": address("alice"), "amount": "7", **log()}
        url = f"/v1/admin/coins/{coin['id']}/transfers"
        first = await client.post(url, json=body, headers=admin.headers)
        again = await client.post(url, json=body, headers=admin.headers)
        different = await client.post(url, json={**body, "amount": "8"}, headers=admin.headers)
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        assert (different.status_code, different.json()["code"]) == (409, "chain_log_conflict")
        assert (await client.get(f"/v1/coins/{coin['id']}")).json()["total_supply"] == "7"

    async def test_logs_apply_in_chain_order(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        coin = await new_coin(client, admin)
        later = {"sender": ZERO_ADDRESS, "recipient": address("a"), "amount": "1"}
        assert (await transfer(client, admin, coin["id"], **later, **log(5000, 3))).is_success
        earlier = await transfer(client, admin, coin["id"], **later, **log(5000, 2))
        assert (earlier.status_code, earlier.json()["code"]) == (409, "chain_log_out_of_order")

    async def test_unknown_coin_is_404(self, client: httpx.AsyncClient, admin: Account) -> None:
        missing = "00000000-0000-7000-8000-000000000000"
        assert (await mint(client, admin.headers, missing, address("a"), 1)).status_code == 404
        assert (await client.get(f"/v1/coins/{missing}")).status_code == 404
        assert (await client.get(f"/v1/coins/{missing}/holders")).status_code == 404


class TestHolderBalances:
    async def test_reconciling_a_holder_moves_the_supply_and_zero_removes_it(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        coin = await new_coin(client, admin)
        alice = address("alice")
        url = f"/v1/admin/coins/{coin['id']}/holders/{alice.lower()}"
        set_to = await client.put(url, json={"balance": "250"}, headers=admin.headers)
        assert set_to.json() == {"address": alice, "balance": "250", "share": "100"}
        cleared = await client.put(url, json={"balance": "0"}, headers=admin.headers)
        assert cleared.json() == {"address": alice, "balance": "0", "share": "0"}
        after = (await client.get(f"/v1/coins/{coin['id']}")).json()
        assert (after["total_supply"], after["holder_count"]) == ("0", 0)

    async def test_amounts_are_decimal_strings_within_uint256(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        coin = await new_coin(client, admin)
        url = f"/v1/admin/coins/{coin['id']}/holders/{address('a')}"
        for bad in (5, "1.5", "-1", str(2**256)):
            response = await client.put(url, json={"balance": bad}, headers=admin.headers)
            assert response.status_code == 422, bad
        top = await client.put(url, json={"balance": str(2**256 - 1)}, headers=admin.headers)
        assert top.json()["balance"] == str(2**256 - 1)


class TestReads:
    async def test_coins_page_newest_first_with_a_cursor(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Account
    ) -> None:
        made = [await new_coin(client, admin, artist=address(f"artist {n}")) for n in range(3)]
        first = (await client.get("/v1/coins?limit=2")).json()
        rest = (await client.get(f"/v1/coins?limit=2&cursor={first['next_cursor']}")).json()
        seen = [c["id"] for c in first["items"] + rest["items"]]
        assert seen[:3] == [c["id"] for c in reversed(made)]
        assert first["next_cursor"] is not None

    async def test_holders_page_by_balance_then_address(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        coin = await new_coin(client, admin)
        balances = {address(f"h{n}"): b for n, b in enumerate([5, 9, 5, 1, 9])}
        for holder, balance in balances.items():
            await mint(client, admin.headers, coin["id"], holder, balance)
        expected = sorted(balances, key=lambda a: (-balances[a], a))
        seen, cursor = [], None
        while True:
            query = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
            page = (await client.get(f"/v1/coins/{coin['id']}/holders{query}")).json()
            seen += [h["address"] for h in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == expected

    async def test_a_foreign_cursor_is_422(self, client: httpx.AsyncClient, admin: Account) -> None:
        coin = await new_coin(client, admin)
        for _ in range(2):
            await new_coin(client, admin, artist=address(f"x{_}"))
        cursor = (await client.get("/v1/coins?limit=1")).json()["next_cursor"]
        holders = await client.get(f"/v1/coins/{coin['id']}/holders?cursor={cursor}")
        assert holders.status_code == 422
        assert (await client.get("/v1/coins?cursor=garbage")).status_code == 422
