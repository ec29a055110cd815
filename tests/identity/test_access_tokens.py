import base64
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from backbeat.identity.access_tokens import (
    Aal,
    AccessClaims,
    AccessTokenRejected,
    Keyring,
    decode_access_token,
    issue_access_token,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
K1 = ("k1", "first signing secret, at least 32 bytes long")
K2 = ("k2", "second signing secret, also 32 bytes or more")
USER = "0b7f6c1e-6d4e-4a43-9f7a-3c3e2b1a0f00"
SESSION = "5d1b8a3c-2f0e-4b6a-9c7d-1e2f3a4b5c6d"


def issue(
    keyring: Keyring,
    *,
    aal: Aal = "aal1",
    wallet_address: str | None = None,
    now: datetime = NOW,
    ttl_seconds: int = 900,
    scopes: Sequence[str] = (),
) -> str:
    return issue_access_token(
        keyring,
        sub=USER,
        role="authenticated",
        aal=aal,
        session_id=SESSION,
        wallet_address=wallet_address,
        now=now,
        ttl_seconds=ttl_seconds,
        scopes=scopes,
    )


def b64url(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def valid_payload() -> dict[str, object]:
    """What a genuine token carries, to forge variants of it."""
    token = issue(Keyring([K1]))
    payload: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    return payload


class TestKeyring:
    def test_signs_with_the_first_key(self) -> None:
        assert Keyring([K2, K1]).signing_kid == "k2"

    def test_refuses_an_empty_keyring(self) -> None:
        with pytest.raises(ValueError, match="at least one key"):
            Keyring([])

    def test_refuses_duplicate_key_ids(self) -> None:
        with pytest.raises(ValueError, match="unique"):
            Keyring([K1, ("k1", K2[1])])

    def test_refuses_short_secrets(self) -> None:
        with pytest.raises(ValueError, match="32 bytes"):
            Keyring([("k1", "too short")])

    def test_refuses_an_unknown_kid(self) -> None:
        with pytest.raises(AccessTokenRejected):
            Keyring([K1]).secret("k9")


class TestIssueAccessToken:
    def test_header_names_the_signing_key_and_hs256(self) -> None:
        header = jwt.get_unverified_header(issue(Keyring([K2, K1])))
        assert header["kid"] == "k2"
        assert header["alg"] == "HS256"

    def test_expires_after_fifteen_minutes_by_default(self) -> None:
        payload = jwt.decode(issue(Keyring([K1])), options={"verify_signature": False})
        assert payload["exp"] - payload["iat"] == 900

    def test_each_token_has_its_own_id(self) -> None:
        keyring = Keyring([K1])
        first = decode_access_token(keyring, issue(keyring), now=NOW)
        second = decode_access_token(keyring, issue(keyring), now=NOW)
        assert first.token_id != second.token_id

    def test_refuses_a_naive_now(self) -> None:
        with pytest.raises(ValueError, match="timezone"):
            issue(Keyring([K1]), now=datetime(2026, 11, 22, 12, 0))


class TestDecodeAccessToken:
    def test_round_trips_every_claim(self) -> None:
        keyring = Keyring([K1])
        wallet = "stacks:1:SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7"
        scopes = ["tracks:write", "studio:read"]
        token = issue(keyring, aal="aal2", wallet_address=wallet, scopes=scopes, ttl_seconds=60)
        claims = decode_access_token(keyring, token, now=NOW)
        assert claims == AccessClaims(
            sub=USER,
            role="authenticated",
            aal="aal2",
            session_id=SESSION,
            wallet_address=wallet,
            scopes=tuple(scopes),
            issued_at=NOW,
            expires_at=NOW + timedelta(seconds=60),
            token_id=claims.token_id,
        )

    def test_leaves_wallet_and_scopes_empty_when_not_given(self) -> None:
        keyring = Keyring([K1])
        claims = decode_access_token(keyring, issue(keyring), now=NOW)
        assert (claims.wallet_address, claims.scopes) == (None, ())

    def test_accepts_a_token_signed_by_a_rotated_out_key(self) -> None:
        old_token = issue(Keyring([K1]))
        claims = decode_access_token(Keyring([K2, K1]), old_token, now=NOW)
        assert claims.sub == USER

    def test_refuses_alg_none(self) -> None:
        forged = f"{b64url({'alg': 'none', 'typ': 'JWT', 'kid': 'k1'})}.{b64url(valid_payload())}."
        with pytest.raises(AccessTokenRejected, match="algorithm"):
            decode_access_token(Keyring([K1]), forged, now=NOW)

    @pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
    def test_refuses_hs512_even_with_the_right_key(self) -> None:
        token = jwt.encode(valid_payload(), K1[1], algorithm="HS512", headers={"kid": "k1"})
        with pytest.raises(AccessTokenRejected, match="algorithm"):
            decode_access_token(Keyring([K1]), token, now=NOW)

    def test_refuses_an_rs256_header(self) -> None:
        header = b64url({"alg": "RS256", "typ": "JWT", "kid": "k1"})
        forged = f"{header}.{b64url(valid_payload())}.c2lnbmF0dXJl"
        with pytest.raises(AccessTokenRejected):
            decode_access_token(Keyring([K1]), forged, now=NOW)

    def test_refuses_a_wrong_key_under_a_known_kid(self) -> None:
        token = issue(Keyring([("k1", K2[1])]))
        with pytest.raises(AccessTokenRejected, match="Signature"):
            decode_access_token(Keyring([K1]), token, now=NOW)

    def test_refuses_an_unknown_kid(self) -> None:
        with pytest.raises(AccessTokenRejected, match="unknown key id"):
            decode_access_token(Keyring([K1]), issue(Keyring([K2])), now=NOW)

    def test_refuses_a_missing_kid(self) -> None:
        token = jwt.encode(valid_payload(), K1[1], algorithm="HS256")
        with pytest.raises(AccessTokenRejected, match="missing key id"):
            decode_access_token(Keyring([K1]), token, now=NOW)

    def test_refuses_an_expired_token(self) -> None:
        keyring = Keyring([K1])
        token = issue(keyring, ttl_seconds=900)
        assert decode_access_token(keyring, token, now=NOW + timedelta(seconds=899))
        with pytest.raises(AccessTokenRejected, match="expired"):
            decode_access_token(keyring, token, now=NOW + timedelta(seconds=900))

    @pytest.mark.parametrize("claim", ["sub", "role", "aal", "session_id", "exp", "jti"])
    def test_refuses_a_missing_claim(self, claim: str) -> None:
        payload = valid_payload()
        del payload[claim]
        token = jwt.encode(payload, K1[1], algorithm="HS256", headers={"kid": "k1"})
        with pytest.raises(AccessTokenRejected, match=claim):
            decode_access_token(Keyring([K1]), token, now=NOW)

    @pytest.mark.parametrize(
        ("claim", "value"),
        [("aal", "aal3"), ("sub", 42), ("role", ""), ("exp", True), ("scope", ["a"])],
    )
    def test_refuses_a_malformed_claim(self, claim: str, value: object) -> None:
        payload = valid_payload() | {claim: value}
        token = jwt.encode(payload, K1[1], algorithm="HS256", headers={"kid": "k1"})
        with pytest.raises(AccessTokenRejected):
            decode_access_token(Keyring([K1]), token, now=NOW)

    @pytest.mark.parametrize(("claim", "value"), [("aud", "someone-else"), ("iss", "supabase")])
    def test_refuses_another_audience_or_issuer(self, claim: str, value: str) -> None:
        payload = valid_payload() | {claim: value}
        token = jwt.encode(payload, K1[1], algorithm="HS256", headers={"kid": "k1"})
        with pytest.raises(AccessTokenRejected):
            decode_access_token(Keyring([K1]), token, now=NOW)

    @pytest.mark.parametrize("garbage", ["", "not.a.jwt", "a.b", "bbr_abc"])
    def test_refuses_garbage(self, garbage: str) -> None:
        with pytest.raises(AccessTokenRejected):
            decode_access_token(Keyring([K1]), garbage, now=NOW)
