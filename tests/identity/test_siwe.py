from datetime import datetime, timedelta

import pytest
from eth_account import Account

from backbeat.identity.siwe import eip55, verify_siwe
from backbeat.identity.wallet_proofs import VerifiedWallet, WalletProofRejected
from tests.identity.factories import DOMAIN, ETH_ACCOUNT, NONCE, NOW, eth_sign, siwe_message

ETH_OTHER = Account.from_key("0x" + "11" * 32)


class TestEip55:
    @pytest.mark.parametrize(
        "address",  # the examples in EIP-55
        [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ],
    )
    def test_matches_the_eip_examples(self, address: str) -> None:
        assert eip55(address.lower()) == address


class TestBuildSiweMessage:
    def test_follows_the_eip_4361_layout(self) -> None:
        assert siwe_message().split("\n") == [
            f"{DOMAIN} wants you to sign in with your Ethereum account:",
            ETH_ACCOUNT.address,
            "",
            "Sign in to Backbeat.",
            "",
            f"URI: https://{DOMAIN}/sign-in",
            "Version: 1",
            "Chain ID: 1",
            f"Nonce: {NONCE}",
            "Issued At: 2026-11-22T12:00:00Z",
            "Expiration Time: 2026-11-22T12:10:00Z",
        ]

    def test_has_two_empty_lines_without_a_statement(self) -> None:
        assert siwe_message(statement=None).split("\n")[2:5] == [
            "",
            "",
            f"URI: https://{DOMAIN}/sign-in",
        ]

    def test_checksums_the_address(self) -> None:
        assert siwe_message(ETH_ACCOUNT.address.lower()).split("\n")[1] == ETH_ACCOUNT.address

    @pytest.mark.parametrize("nonce", ["short", "has spaces in it", "dash-dash-dash"])
    def test_refuses_a_nonce_that_eip_4361_forbids(self, nonce: str) -> None:
        with pytest.raises(ValueError, match="nonce"):
            siwe_message(nonce=nonce)

    def test_refuses_a_naive_time(self) -> None:
        with pytest.raises(ValueError, match="timezone"):
            siwe_message(issued_at=datetime(2026, 11, 22))


class TestVerifySiwe:
    def test_accepts_a_signature_from_the_named_account(self) -> None:
        message = siwe_message()
        verified = verify_siwe(message, eth_sign(message), domain=DOMAIN, now=NOW)
        assert verified == VerifiedWallet(caip10=f"eip155:1:{ETH_ACCOUNT.address}", nonce=NONCE)

    def test_accepts_a_0x_signature_and_names_the_signed_chain(self) -> None:
        message = siwe_message(chain_id=137)
        verified = verify_siwe(message, "0x" + eth_sign(message), domain=DOMAIN, now=NOW)
        assert verified.caip10 == f"eip155:137:{ETH_ACCOUNT.address}"

    def test_refuses_another_domain(self) -> None:
        message = siwe_message(domain="evil.example")
        with pytest.raises(WalletProofRejected, match="another domain"):
            verify_siwe(message, eth_sign(message), domain=DOMAIN, now=NOW)

    def test_refuses_an_expired_message(self) -> None:
        message = siwe_message()
        with pytest.raises(WalletProofRejected, match="expired"):
            verify_siwe(message, eth_sign(message), domain=DOMAIN, now=NOW + timedelta(minutes=10))

    def test_refuses_a_message_issued_in_the_future(self) -> None:
        message = siwe_message(issued_at=NOW + timedelta(minutes=5))
        with pytest.raises(WalletProofRejected, match="future"):
            verify_siwe(message, eth_sign(message), domain=DOMAIN, now=NOW)

    def test_refuses_a_message_before_not_before(self) -> None:
        message = siwe_message() + "\nNot Before: 2026-11-22T12:05:00Z"
        with pytest.raises(WalletProofRejected, match="not valid yet"):
            verify_siwe(message, eth_sign(message), domain=DOMAIN, now=NOW)

    def test_refuses_a_signature_from_another_key(self) -> None:
        message = siwe_message()
        with pytest.raises(WalletProofRejected, match="not from the address"):
            verify_siwe(message, eth_sign(message, ETH_OTHER), domain=DOMAIN, now=NOW)

    def test_refuses_a_message_changed_after_signing(self) -> None:
        signature = eth_sign(siwe_message())
        with pytest.raises(WalletProofRejected, match="not from the address"):
            verify_siwe(siwe_message(nonce="another1nonce"), signature, domain=DOMAIN, now=NOW)

    def test_refuses_an_address_without_its_checksum(self) -> None:
        message = siwe_message().replace(ETH_ACCOUNT.address, ETH_ACCOUNT.address.lower())
        with pytest.raises(WalletProofRejected, match="EIP-55"):
            verify_siwe(message, eth_sign(message), domain=DOMAIN, now=NOW)

    @pytest.mark.parametrize("signature", ["zz" * 65, "ab" * 64, "ab" * 66, "00" * 65])
    def test_refuses_malformed_signatures(self, signature: str) -> None:
        with pytest.raises(WalletProofRejected):
            verify_siwe(siwe_message(), signature, domain=DOMAIN, now=NOW)
