import pytest

from backbeat.identity.caip10 import normalise_wallet
from backbeat.identity.wallet_proofs import InvalidWallet
from tests.identity.factories import VITALIK

SP = "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7"
SM = "SM2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKQVX8X0G"
ST = "ST2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKQYAC0RQ"
SN = "SN2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKP6D2ZK9"
MAINNET, TESTNET = "stacks:1:", "stacks:2147483648:"


class TestNormaliseWallet:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (VITALIK.lower(), f"eip155:1:{VITALIK}"),
            ("0x" + VITALIK[2:].upper(), f"eip155:1:{VITALIK}"),
            (f"  {VITALIK}\n", f"eip155:1:{VITALIK}"),
            (f"eip155:1:{VITALIK}", f"eip155:1:{VITALIK}"),
            (f"eip155:137:{VITALIK.lower()}", f"eip155:137:{VITALIK}"),
            (SP, MAINNET + SP),
            (SP.lower(), MAINNET + SP),
            (SM, MAINNET + SM),
            (MAINNET + SP, MAINNET + SP),
            (ST, TESTNET + ST),
            (SN, TESTNET + SN),
            (TESTNET + ST.lower(), TESTNET + ST),
        ],
    )
    def test_gives_one_caip10_spelling(self, text: str, expected: str) -> None:
        assert normalise_wallet(text) == expected

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96044", "checksum"),  # last digit changed
            ("0xD8dA6BF26964aF9D7eEd9e03E53415D37aA96045", "checksum"),  # one letter's case
            ("0xd8da6bf26964af9d7eed9e03e53415d37aa9604", "40 hexadecimal"),
            ("0xd8da6bf26964af9d7eed9e03e53415d37aa9604g", "40 hexadecimal"),
            (f"eip155:0:{VITALIK}", "chain id"),
            (f"eip155:one:{VITALIK}", "chain id"),
            (SP[:-1] + "8", "checksum"),
            (MAINNET + ST, "another network"),
            (TESTNET + SP, "another network"),
            (f"stacks:5:{SP}", "not an eip155 or stacks"),
            ("SZ2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKQ9H6DPR", "not an eip155 or stacks"),
            (f"solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:{SP}", "not an eip155"),
            ("", "not an eip155"),
        ],
    )
    def test_refuses_invalid_addresses(self, text: str, reason: str) -> None:
        with pytest.raises(InvalidWallet, match=reason):
            normalise_wallet(text)
