"""Wallet sign-in and linking with real EIP-4361 (eth_account) and Stacks (coincurve) signatures."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
from coincurve import PrivateKey
from Crypto.Hash import RIPEMD160
from eth_account import Account
from eth_account.messages import encode_defunct

from backbeat.identity import siwe, stacks
from tests.identity.factories import bearer, signup


class EvmWallet:
    def __init__(self) -> None:
        self.account = Account.create()
        self.address: str = self.account.address

    def sign(self, message: str) -> str:
        signed = self.account.sign_message(encode_defunct(text=message))
        return "0x" + bytes(signed.signature).hex()


class StacksWallet:
    def __init__(self, version: int = stacks.STACKS_P2PKH_MAINNET) -> None:
        self.key = PrivateKey()
        digest = hashlib.sha256(self.key.public_key.format(compressed=True)).digest()
        self.address = stacks.c32_address(version, RIPEMD160.new(digest).digest())

    def sign(self, message: str) -> str:
        digest = stacks.stacks_message_digest(message)
        return self.key.sign_recoverable(digest, hasher=None).hex()


Wallet = EvmWallet | StacksWallet


async def challenge(client: httpx.AsyncClient, address: str) -> dict[str, Any]:
    response = await client.post("/v1/auth/wallet/challenge", json={"address": address})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def wallet_sign_in(client: httpx.AsyncClient, wallet: Wallet) -> httpx.Response:
    made = await challenge(client, wallet.address)
    body = {"message": made["message"], "signature": wallet.sign(made["message"])}
    return await client.post("/v1/auth/wallet/verify", json=body)


async def link(client: httpx.AsyncClient, token: str, wallet: Wallet) -> httpx.Response:
    made = await challenge(client, wallet.address)
    body = {"message": made["message"], "signature": wallet.sign(made["message"])}
    return await client.post("/v1/me/wallets", json=body, headers=bearer(token))


def claim(token: str, name: str) -> Any:
    return jwt.decode(token, options={"verify_signature": False}).get(name)


class TestChallenge:
    async def test_evm_challenge_is_an_eip4361_message(self, client: httpx.AsyncClient) -> None:
        wallet = EvmWallet()
        made = await challenge(client, wallet.address.lower())
        lines = made["message"].split("\n")
        assert lines[0] == "localhost:8000 wants you to sign in with your Ethereum account:"
        assert lines[1] == wallet.address  # EIP-55 checksummed
        assert f"Nonce: {made['nonce']}" in lines
        assert made["caip10"] == f"eip155:1:{wallet.address}"

    async def test_stacks_challenge_names_the_stacks_account(
        self, client: httpx.AsyncClient
    ) -> None:
        wallet = StacksWallet()
        made = await challenge(client, wallet.address)
        assert "with your Stacks account:" in made["message"]
        assert made["caip10"] == f"stacks:1:{wallet.address}"

    async def test_malformed_address_is_a_422(self, client: httpx.AsyncClient) -> None:
        for bad in ("0x1234", "SPNOTANADDRESS", "bitcoin:xyz", "0x" + "g" * 40):
            response = await client.post("/v1/auth/wallet/challenge", json={"address": bad})
            assert response.status_code == 422, bad


class TestWalletSignIn:
    async def test_evm_first_sign_in_creates_the_account(self, client: httpx.AsyncClient) -> None:
        wallet = EvmWallet()
        response = await wallet_sign_in(client, wallet)
        data = response.json()
        assert response.status_code == 200, response.text
        assert data["user"]["primary_wallet"] == f"eip155:1:{wallet.address}"
        assert data["user"]["email"] is None
        assert claim(data["access_token"], "wallet_address") == f"eip155:1:{wallet.address}"
        again = await wallet_sign_in(client, wallet)
        assert again.json()["user"]["id"] == data["user"]["id"]

    async def test_stacks_sign_in_with_a_real_signature(self, client: httpx.AsyncClient) -> None:
        wallet = StacksWallet()
        response = await wallet_sign_in(client, wallet)
        assert response.status_code == 200, response.text
        assert response.json()["user"]["primary_wallet"] == f"stacks:1:{wallet.address}"

    async def test_replayed_nonce_is_refused(self, client: httpx.AsyncClient) -> None:
        wallet = EvmWallet()
        made = await challenge(client, wallet.address)
        body = {"message": made["message"], "signature": wallet.sign(made["message"])}
        first = await client.post("/v1/auth/wallet/verify", json=body)
        second = await client.post("/v1/auth/wallet/verify", json=body)
        assert first.status_code == 200
        assert second.status_code == 401
        assert second.json()["code"] == "invalid_wallet_proof"

    async def test_signature_by_another_key_is_refused(self, client: httpx.AsyncClient) -> None:
        for wallet, impostor in ((EvmWallet(), EvmWallet()), (StacksWallet(), StacksWallet())):
            made = await challenge(client, wallet.address)
            body = {"message": made["message"], "signature": impostor.sign(made["message"])}
            response = await client.post("/v1/auth/wallet/verify", json=body)
            assert response.status_code == 401, type(wallet)

    async def test_message_for_another_domain_is_refused(self, client: httpx.AsyncClient) -> None:
        wallet = EvmWallet()
        made = await challenge(client, wallet.address)
        forged = made["message"].replace("localhost:8000 wants", "evil.example wants", 1)
        body = {"message": forged, "signature": wallet.sign(forged)}
        response = await client.post("/v1/auth/wallet/verify", json=body)
        assert response.status_code == 401
        assert "another domain" in response.json()["detail"]

    async def test_expired_message_is_refused(self, client: httpx.AsyncClient) -> None:
        wallet = EvmWallet()
        made = await challenge(client, wallet.address)
        past = datetime.now(UTC) - timedelta(minutes=20)
        message = siwe.build_siwe_message(
            wallet.address,
            domain="localhost:8000",
            uri="http://localhost:8000",
            nonce=made["nonce"],
            issued_at=past,
            expiration_time=past + timedelta(minutes=5),
        )
        body = {"message": message, "signature": wallet.sign(message)}
        response = await client.post("/v1/auth/wallet/verify", json=body)
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]

    async def test_message_not_issued_by_the_server_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        wallet = EvmWallet()
        now = datetime.now(UTC)
        message = siwe.build_siwe_message(
            wallet.address,
            domain="localhost:8000",
            uri="http://localhost:8000",
            nonce="madeupnonce123",
            issued_at=now,
            expiration_time=now + timedelta(minutes=5),
        )
        body = {"message": message, "signature": wallet.sign(message)}
        assert (await client.post("/v1/auth/wallet/verify", json=body)).status_code == 401

    async def test_malformed_signature_is_refused(self, client: httpx.AsyncClient) -> None:
        wallet = EvmWallet()
        made = await challenge(client, wallet.address)
        body = {"message": made["message"], "signature": "0xzz"}
        assert (await client.post("/v1/auth/wallet/verify", json=body)).status_code == 401


class TestLinking:
    async def test_links_lists_and_picks_a_primary(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        token = data["access_token"]
        evm, stx = EvmWallet(), StacksWallet()
        first, second = await link(client, token, evm), await link(client, token, stx)
        assert first.status_code == second.status_code == 201
        assert first.json()["is_primary"] and not second.json()["is_primary"]
        stx_id = second.json()["caip10"]
        chosen = await client.post(f"/v1/me/wallets/{stx.address}/primary", headers=bearer(token))
        listed = (await client.get("/v1/me/wallets", headers=bearer(token))).json()
        assert chosen.status_code == 200
        assert [w["caip10"] for w in listed] == [stx_id, f"eip155:1:{evm.address}"]
        assert [w["is_primary"] for w in listed] == [True, False]
        refreshed = await client.post(
            "/v1/auth/token",
            json={"grant_type": "refresh_token", "refresh_token": data["refresh_token"]},
        )
        assert claim(refreshed.json()["access_token"], "wallet_address") == stx_id

    async def test_wallet_belongs_to_at_most_one_user(self, client: httpx.AsyncClient) -> None:
        alice, bob = await signup(client), await signup(client)
        wallet = EvmWallet()
        assert (await link(client, alice["access_token"], wallet)).status_code == 201
        taken = await link(client, bob["access_token"], wallet)
        assert taken.status_code == 409
        assert taken.json()["code"] == "wallet_taken"

    async def test_unlink_promotes_the_next_wallet(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        token = data["access_token"]
        evm, stx = EvmWallet(), StacksWallet()
        await link(client, token, evm)
        await link(client, token, stx)
        removed = await client.delete(
            f"/v1/me/wallets/eip155:1:{evm.address}", headers=bearer(token)
        )
        listed = (await client.get("/v1/me/wallets", headers=bearer(token))).json()
        assert removed.status_code == 204
        assert listed == [
            {
                "caip10": f"stacks:1:{stx.address}",
                "is_primary": True,
                "created_at": listed[0]["created_at"],
            }
        ]

    async def test_the_only_way_in_cannot_be_unlinked(self, client: httpx.AsyncClient) -> None:
        wallet = EvmWallet()
        data = (await wallet_sign_in(client, wallet)).json()
        response = await client.delete(
            f"/v1/me/wallets/{wallet.address}", headers=bearer(data["access_token"])
        )
        assert response.status_code == 409
        assert response.json()["code"] == "last_sign_in_method"

    async def test_unlinking_someone_elses_wallet_is_a_404(self, client: httpx.AsyncClient) -> None:
        alice, bob = await signup(client), await signup(client)
        wallet = EvmWallet()
        await link(client, alice["access_token"], wallet)
        response = await client.delete(
            f"/v1/me/wallets/{wallet.address}", headers=bearer(bob["access_token"])
        )
        assert response.status_code == 404
