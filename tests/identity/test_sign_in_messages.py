from collections.abc import Callable
from datetime import timedelta

import pytest

from backbeat.identity.sign_in_messages import parse_sign_in_message
from backbeat.identity.wallet_proofs import WalletProofRejected
from tests.identity.factories import DOMAIN, ETH_ACCOUNT, NONCE, NOW, siwe_message


class TestParseSignInMessage:
    def test_reads_back_what_was_built(self) -> None:
        parsed = parse_sign_in_message(siwe_message(chain_id=137), chain="Ethereum")
        assert (parsed.domain, parsed.address, parsed.nonce) == (DOMAIN, ETH_ACCOUNT.address, NONCE)
        assert (parsed.issued_at, parsed.chain_id) == (NOW, 137)
        assert parsed.expiration_time == NOW + timedelta(minutes=10)

    def test_reads_a_scheme_and_optional_fields(self) -> None:
        message = f"https://{siwe_message()}\nNot Before: 2026-11-22T12:01:00Z\nRequest ID: 7"
        parsed = parse_sign_in_message(message, chain="Ethereum")
        assert (parsed.domain, parsed.not_before) == (DOMAIN, NOW + timedelta(minutes=1))

    @pytest.mark.parametrize(
        "broken",
        [
            lambda m: m.replace("Version: 1", "Version: 2"),
            lambda m: m.replace("Chain ID: 1", "Chain ID: x"),
            lambda m: m.replace("\nExpiration Time: 2026-11-22T12:10:00Z", ""),
            lambda m: m.replace("Issued At: 2026-11-22T12:00:00Z", "Issued At: yesterday"),
            lambda m: m.replace(
                "Issued At: 2026-11-22T12:00:00Z", "Issued At: 2026-11-22T12:00:00"
            ),
            lambda m: m + "\nURI: https://evil.example",
            lambda m: m + "\nResources:\n- ipfs://x",
            lambda m: m.replace("Sign in to Backbeat.\n", "Sign in\nto Backbeat.\n"),
            lambda m: m.replace("Ethereum account", "Bitcoin account"),
            lambda m: m.replace(f"Nonce: {NONCE}", "Nonce: short"),
        ],
    )
    def test_refuses_malformed_messages(self, broken: Callable[[str], str]) -> None:
        with pytest.raises(WalletProofRejected):
            parse_sign_in_message(broken(siwe_message()), chain="Ethereum")

    def test_refuses_a_message_for_the_other_chain(self) -> None:
        with pytest.raises(WalletProofRejected, match="not a Stacks"):
            parse_sign_in_message(siwe_message(), chain="Stacks")
