"""Endpoint secrets and Standard Webhooks signatures.

A secret is `whsec_` + base64 of 32 random bytes, shown once when the endpoint is made. Backbeat
must sign with it later, so it cannot be hashed: it is sealed with AES-256-GCM under a key
derived from BACKBEAT_SECRET_KEY (purpose `webhook-signing`, rotation through
BACKBEAT_PREVIOUS_SECRET_KEYS) and bound to its endpoint's id, and the API role cannot even
select the sealed column.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from standardwebhooks import Webhook

from backbeat.config import Settings
from backbeat.identity.secretbox import SecretBox

PURPOSE = "webhook-signing"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SECRET_BYTES = 32
USER_AGENT = "Backbeat-Webhooks/1"


def new_secret() -> str:
    """A fresh signing secret in the format the standardwebhooks libraries read."""
    return SECRET_PREFIX + base64.b64encode(os.urandom(SECRET_BYTES)).decode("ascii")


def secret_box(settings: Settings) -> SecretBox:
    """The box endpoint secrets are sealed in (current key seals, previous ones open)."""
    return SecretBox(
        settings.secret_key.get_secret_value(),
        purpose=PURPOSE,
        previous_secrets=[s.get_secret_value() for s in settings.previous_secret_keys],
    )


def seal_secret(box: SecretBox, endpoint_id: uuid.UUID, secret: str) -> bytes:
    return box.seal(secret.encode("ascii"), associated_data=endpoint_id.bytes)


def open_secret(box: SecretBox, endpoint_id: uuid.UUID, sealed: bytes) -> str:
    return box.open(sealed, associated_data=endpoint_id.bytes).decode("ascii")


def payload(event_type: str, created_at: datetime, data: Mapping[str, Any]) -> str:
    """The body every endpoint gets: Standard Webhooks' {type, timestamp, data}."""
    stamp = created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return json.dumps({"type": event_type, "timestamp": stamp, "data": data}, separators=(",", ":"))


def signed_headers(secret: str, message_id: str, body: str, now: datetime) -> dict[str, str]:
    """webhook-id, webhook-timestamp and webhook-signature (v1, HMAC-SHA256) of one attempt."""
    at = now.astimezone(UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
