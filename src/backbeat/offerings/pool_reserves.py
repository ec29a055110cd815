"""How a pool event (Uniswap V2 style Mint, Burn, Swap) moves reserves and positions, as values.

The invariants: reserves and positions are never negative, and the pool's total liquidity is
always the sum of its positions' liquidity. A mint adds both deposits to the reserves and its
liquidity to the owner's position; a burn takes both withdrawals and the owner's liquidity out;
a swap adds what came in and takes what went out, and moves no liquidity. The constant product is
the chain's business: the mirror trusts the amounts the chain emitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from backbeat.offerings.coin_chain import UINT256_MAX

EventKind = Literal["swap", "mint", "burn"]


class EventRefused(ValueError):
    """The event is inconsistent with its kind or with the pool's current state."""


@dataclass(frozen=True)
class Amounts:
    """An event's token amounts, all non-negative: what entered and left the pool, and the
    liquidity (LP units) it minted or burned."""

    kind: EventKind
    amount0_in: int = 0
    amount1_in: int = 0
    amount0_out: int = 0
    amount1_out: int = 0
    liquidity: int = 0


@dataclass(frozen=True)
class PoolState:
    reserve0: int
    reserve1: int
    total_liquidity: int


def check_shape(event: Amounts) -> None:
    """What each kind may carry, independent of the pool's state."""
    ins, outs = event.amount0_in + event.amount1_in, event.amount0_out + event.amount1_out
    if event.kind == "swap" and (event.liquidity or not ins or not outs):
        raise EventRefused("a swap has an amount in, an amount out, and no liquidity")
    if event.kind == "mint" and (outs or not event.liquidity):
        raise EventRefused("a mint has amounts in and liquidity, and no amounts out")
    if event.kind == "burn" and (ins or not event.liquidity):
        raise EventRefused("a burn has amounts out and liquidity, and no amounts in")


def apply_event(state: PoolState, position: int, event: Amounts) -> tuple[PoolState, int]:
    """The pool's state and the owner's position liquidity after the event."""
    check_shape(event)
    reserve0 = state.reserve0 + event.amount0_in - event.amount0_out
    reserve1 = state.reserve1 + event.amount1_in - event.amount1_out
    sign = {"mint": 1, "burn": -1, "swap": 0}[event.kind]
    total, owned = (
        state.total_liquidity + sign * event.liquidity,
        position + sign * event.liquidity,
    )
    if min(reserve0, reserve1) < 0:
        raise EventRefused("the event takes more out of the pool than its reserves hold")
    if owned < 0:
        raise EventRefused(f"the position holds {position} liquidity, less than {event.liquidity}")
    if max(reserve0, reserve1, total) > UINT256_MAX:
        raise EventRefused("a reserve or the liquidity would overflow uint256")
    return PoolState(reserve0, reserve1, total), owned
