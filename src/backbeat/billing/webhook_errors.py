"""Errors of outbound webhooks, each with the status and `code` a client switches on."""

from __future__ import annotations

from backbeat.errors import Conflict, Forbidden, NotFound, Unprocessable


class UnsafeWebhookUrl(Unprocessable):
    """The URL is not http(s), or resolves to a private, loopback or link-local address."""


class WebhookEndpointNotFound(NotFound):
    """No such endpoint, or not the caller's."""


class WebhookDeliveryNotFound(NotFound):
    """No such delivery, or not the caller's."""


class TooManyWebhookEndpoints(Conflict):
    """The caller already has the configured number of endpoints."""


class WebhookEndpointDisabled(Conflict):
    """The endpoint is disabled: nothing is delivered or replayed to it."""


class PlatformEndpointForbidden(Forbidden):
    """Only an admin creates platform-wide endpoints."""
