"""Every identity key, derived from the settings' secret keys by purpose (HKDF)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from backbeat.config import Settings
from backbeat.identity.access_tokens import Keyring, VerifiedTokens
from backbeat.identity.secretbox import SecretBox, derive_key

TOTP_PURPOSE = "mfa-totp"
OAUTH_PURPOSE = "oauth-connections"
JWT_PURPOSE = "jwt-hs256"


def _signing_key(secret: str) -> tuple[str, str]:
    """A (kid, key) pair: the kid names the secret without revealing anything about it."""
    key = derive_key(secret, JWT_PURPOSE).hex()
    kid = hashlib.sha256(f"kid:{key}".encode()).hexdigest()[:16]
    return kid, key


@dataclass(frozen=True)
class IdentityKeys:
    """The JWT keyring (current key signs, previous ones verify) and the two secret boxes."""

    keyring: Keyring
    totp_box: SecretBox
    oauth_box: SecretBox
    verified: VerifiedTokens

    @classmethod
    def from_settings(cls, settings: Settings) -> IdentityKeys:
        """Rotate by moving the old secret_key into previous_secret_keys."""
        current = settings.secret_key.get_secret_value()
        previous = [s.get_secret_value() for s in settings.previous_secret_keys]
        keyring = Keyring([_signing_key(s) for s in [current, *previous]])
        return cls(
            keyring=keyring,
            totp_box=SecretBox(current, purpose=TOTP_PURPOSE, previous_secrets=previous),
            oauth_box=SecretBox(current, purpose=OAUTH_PURPOSE, previous_secrets=previous),
            verified=VerifiedTokens(keyring),
        )
