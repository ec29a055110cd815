"""Errors of artist coins and pools; `code` is the snake_case class name."""

from __future__ import annotations

from backbeat.errors import Conflict, Forbidden, NotFound, Unprocessable


class CoinNotFound(NotFound):
    title = "No such coin"


class PoolNotFound(NotFound):
    title = "No such pool"


class ChainMirrorAdminOnly(Forbidden):
    """Coins and pools mirror the chain: only admins (and the indexer) write them."""

    title = "Only admins write coins and pools"


class CoinExists(Conflict):
    """The artist already has a coin, or the contract address is another coin's."""

    title = "Coin exists"


class PoolExists(Conflict):
    title = "Pool exists"


class PoolNotOfCoin(Unprocessable):
    """Neither of the pool's tokens is its coin's contract."""

    title = "Pool does not pair its coin"


class CoinTransferRefused(Conflict):
    """The transfer would make a balance negative or overflow the supply."""

    title = "Transfer refused"


class PoolEventRefused(Conflict):
    """The event takes more than the pool or the position holds, or overflows."""

    title = "Pool event refused"


class ChainLogConflict(Conflict):
    """This (transaction hash, log index) was recorded with different content."""

    title = "Chain log recorded differently"


class ChainLogOutOfOrder(Conflict):
    """Logs apply in chain order: this one is not after the last one applied."""

    title = "Chain log out of order"
