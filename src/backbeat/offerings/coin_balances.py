"""How an ERC-20 Transfer moves a coin's balances, as values (the service stores the result).

The invariant: a coin's total supply is always the sum of its holders' balances. A transfer from
the zero address mints (supply grows), one to the zero address burns (supply shrinks), any other
moves balance between two holders; no balance is ever negative and nothing exceeds uint256.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from backbeat.offerings.coin_chain import UINT256_MAX, ZERO_ADDRESS


class TransferRefused(ValueError):
    """The transfer would make a balance negative or the supply overflow uint256."""


@dataclass(frozen=True)
class Moved:
    """The new balances of the holders a transfer touched (0: no longer a holder) and supply."""

    balances: dict[str, int]
    total_supply: int


def apply_transfer(
    balances: Mapping[str, int], total_supply: int, sender: str, recipient: str, amount: int
) -> Moved:
    """`balances` holds at least the sender's and recipient's current balances (0 if absent)."""
    after = {a: balances.get(a, 0) for a in (sender, recipient) if a != ZERO_ADDRESS}
    if sender != ZERO_ADDRESS:
        if after[sender] < amount:
            raise TransferRefused(f"{sender} holds {after[sender]}, less than {amount}")
        after[sender] -= amount
    else:
        total_supply += amount
        if total_supply > UINT256_MAX:
            raise TransferRefused("the total supply would overflow uint256")
    if recipient != ZERO_ADDRESS:
        after[recipient] += amount
    else:
        total_supply -= amount
    return Moved(after, total_supply)


def set_balance(balances: Mapping[str, int], total_supply: int, holder: str, balance: int) -> Moved:
    """A reconciliation (a `balanceOf` read from the chain): the supply follows by the change."""
    if holder == ZERO_ADDRESS:
        raise TransferRefused("the zero address holds nothing")
    supply = total_supply - balances.get(holder, 0) + balance
    if supply > UINT256_MAX:
        raise TransferRefused("the total supply would overflow uint256")
    return Moved({holder: balance}, supply)
