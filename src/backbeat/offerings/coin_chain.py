"""Values of the EVM chains that coins and pools live on: addresses, transaction hashes, uint256.

Addresses are stored and shown in their EIP-55 checksum spelling (one spelling per address, so
uniqueness and joins need no lower()); transaction hashes in lower case.
"""

from __future__ import annotations

import re

from backbeat.identity.siwe import normalise_evm
from backbeat.identity.wallet_proofs import InvalidWallet

UINT256_MAX = 2**256 - 1
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
"""An ERC-20 Transfer from it is a mint; one to it is a burn."""
_TX_HASH = re.compile(r"0x[0-9a-fA-F]{64}")


def checksummed(address: str) -> str:
    """The EIP-55 spelling of a 0x address; a mixed-case input must carry a valid checksum."""
    try:
        return normalise_evm("1", address).rsplit(":", 1)[1]
    except InvalidWallet as exc:
        raise ValueError(exc.reason) from None


def tx_hash(value: str) -> str:
    """A transaction hash, 0x and 64 hexadecimal digits, in lower case."""
    if not _TX_HASH.fullmatch(value):
        raise ValueError("a transaction hash is 0x and 64 hexadecimal digits")
    return value.lower()


def uint256(value: str) -> int:
    """A token amount as the API writes it (a decimal string) → an int within uint256."""
    if not value.isascii() or not value.isdigit():
        raise ValueError("an amount is a string of decimal digits")
    amount = int(value)
    if amount > UINT256_MAX:
        raise ValueError("an amount fits in 256 bits")
    return amount
