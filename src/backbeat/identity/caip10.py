"""Wallet identities as CAIP-10 strings: one spelling per wallet, EVM or Stacks."""

from __future__ import annotations

from backbeat.identity.siwe import normalise_evm
from backbeat.identity.stacks import (
    STACKS_ADDRESS_PREFIXES,
    STACKS_MAINNET,
    STACKS_TESTNET,
    normalise_stacks,
)
from backbeat.identity.wallet_proofs import InvalidWallet


def normalise_wallet(text: str) -> str:
    """One spelling per wallet (CAIP-10), so payees and proofs compare as plain strings."""
    text = text.strip()
    if text.startswith("0x"):
        return normalise_evm("1", text)
    if ":" not in text and text[:2].upper() in STACKS_ADDRESS_PREFIXES:
        return normalise_stacks(None, text)
    namespace, _, rest = text.partition(":")
    reference, _, address = rest.partition(":")
    if namespace == "eip155":
        return normalise_evm(reference, address)
    if namespace == "stacks" and reference in (STACKS_MAINNET, STACKS_TESTNET):
        return normalise_stacks(reference, address)
    raise InvalidWallet("not an eip155 or stacks address")
