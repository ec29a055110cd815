"""The royalties domain's errors; `code` is the snake_case class name."""

from __future__ import annotations

from backbeat.errors import Conflict, Forbidden, NotFound, Unprocessable


class RevenueNotAllowed(Forbidden):
    """Only admins and personal access tokens with the `revenue:write` scope post revenue."""

    title = "Not allowed to post revenue"


class IdempotencyConflict(Conflict):
    """The idempotency key was used before with a different body."""

    title = "Idempotency key reused"


class UnknownAsset(Unprocessable):
    """The asset is not configured (BACKBEAT_ROYALTY_ASSETS)."""

    title = "Unknown asset"


class UnknownTrack(NotFound):
    """No live track has that id or ISRC."""

    title = "Unknown track"


class InvalidRevenue(Unprocessable):
    """A revenue event that breaks the schema (a negative amount, a missing field)."""

    title = "Invalid revenue event"


class UnknownPayee(NotFound):
    """No such payee, or not one of yours."""

    title = "Unknown payee"


class InsufficientBalance(Conflict):
    """The payee's available balance is smaller than the payout asked for."""

    title = "Insufficient balance"


class BelowMinimumPayout(Unprocessable):
    """The payout is smaller than the asset's minimum (BACKBEAT_ROYALTY_MINIMUM_PAYOUT)."""

    title = "Below the minimum payout"


class PayoutNotFound(NotFound):
    """No such payout."""

    title = "Payout not found"


class SettlementNotAllowed(Forbidden):
    """Only admins and payout providers (scope `payouts:write`) settle payouts."""

    title = "Not allowed to settle payouts"
