"""Billing's errors: what a client can act on."""

from __future__ import annotations

from typing import ClassVar

from backbeat.errors import AppError, BadRequest, Conflict, Forbidden, NotFound, Unprocessable


class PlanNotFound(NotFound):
    """No such plan (or no such price of it)."""


class UnknownUser(NotFound):
    """No such user."""


class NoSubscription(NotFound):
    """The caller has no subscription to act on."""


class BillingUnavailable(Conflict):
    """This deployment has no payment provider (or no webhook secret) configured."""


class NothingToPay(Conflict):
    """A free plan needs no checkout, and a subscription to a plan cannot be bought twice."""


class InvalidSignature(BadRequest):
    """A webhook whose signature is missing, wrong or too old."""


class MalformedEvent(BadRequest):
    """A verified webhook body that is not a usable event."""


class AdminsOnly(Forbidden):
    """Only an admin may define or grant plans."""


class InvalidEntitlements(Unprocessable):
    """A plan's entitlements break their types."""


class ProviderFailed(AppError):
    """The payment provider refused or did not answer."""

    status_code: ClassVar[int] = 502
    title: ClassVar[str] = "Bad gateway"
