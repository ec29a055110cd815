"""The offerings domain's errors; `code` is the snake_case class name."""

from __future__ import annotations

from backbeat.errors import Conflict, Forbidden, NotFound, Unprocessable


class UnknownMaster(NotFound):
    """No such track, or not one the caller may act on."""

    title = "Unknown master"


class TransitionRefused(Conflict):
    """The lifecycle does not allow that step from the master's current state."""

    title = "Transition refused"


class NotYourMaster(Forbidden):
    """Only the track's creator (or an admin) manages its master, offering and dividends."""

    title = "Not your master"


class InvalidOffering(Unprocessable):
    """An offering configuration that breaks a rule; `field` names the offending field."""

    title = "Invalid offering"


class OfferingExists(Conflict):
    """A master has at most one offering."""

    title = "Offering exists"


class UnknownOffering(NotFound):
    title = "Unknown offering"


class OfferingNotOpen(Conflict):
    """Purchases are accepted only while the master is listed, between start and end."""

    title = "Offering not open"


class SoldOut(Conflict):
    """Fewer public shares remain than asked for; `remaining` says how many."""

    title = "Sold out"


class BuyerLimit(Conflict):
    """The buyer would hold more shares of this offering than the per-buyer limit."""

    title = "Per-buyer limit"


class InsufficientBalance(Conflict):
    """The available balance in the asset does not cover the amount."""

    title = "Insufficient balance"


class IdempotencyConflict(Conflict):
    """The idempotency key was used before with a different body."""

    title = "Idempotency key reused"


class UnknownPurchase(NotFound):
    title = "Unknown purchase"


class PurchaseExpired(Conflict):
    """The reservation expired and its shares were released: buy again."""

    title = "Purchase expired"


class SettlementNotAllowed(Forbidden):
    """Only admins and payment providers (`purchases:write`) settle purchases."""

    title = "Not allowed to settle purchases"


class UnknownShare(NotFound):
    """No minted share with that id or token."""

    title = "Unknown share"


class NotYourShare(Forbidden):
    title = "Not your share"


class NoHolders(Conflict):
    """A dividend needs at least one minted share to pay."""

    title = "No holders"


class InvalidPayee(Unprocessable):
    """Not a payee reference (`user:<uuid>` or a wallet `chain:address`)."""

    title = "Invalid payee"
