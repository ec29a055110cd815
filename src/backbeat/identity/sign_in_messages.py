"""The EIP-4361 sign-in message layout: SIWE's, and our Stacks variant of it (fewer fields)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from backbeat.identity.wallet_proofs import WalletProofRejected

CLOCK_SKEW = timedelta(minutes=2)

Chain = Literal["Ethereum", "Stacks"]
EVM_CHAIN_ID = re.compile(r"[1-9][0-9]{0,31}")
_NONCE = re.compile(r"[A-Za-z0-9]{8,}")
_HEADER = re.compile(
    r"(?:[A-Za-z][A-Za-z0-9+.-]*://)?(?P<domain>\S+) wants you to sign in with your "
    r"(?P<chain>Ethereum|Stacks) account:"
)
SIWE_FIELDS = ("URI", "Version", "Chain ID", "Nonce", "Issued At", "Expiration Time")
STACKS_FIELDS = ("Nonce", "Issued At", "Expiration Time")
_FIELD_ORDER = {"Ethereum": (*SIWE_FIELDS, "Not Before", "Request ID"), "Stacks": STACKS_FIELDS}
_REQUIRED_FIELDS = {"Ethereum": SIWE_FIELDS, "Stacks": STACKS_FIELDS}


@dataclass(frozen=True, slots=True)
class SignInMessage:
    """The fields of a parsed SIWE or Stacks sign-in message that verification relies on."""

    domain: str
    address: str
    nonce: str
    issued_at: datetime
    expiration_time: datetime
    not_before: datetime | None
    chain_id: int | None


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with whole seconds, as SIWE messages show it."""
    if moment.tzinfo is None:
        raise ValueError("sign-in message times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_nonce(nonce: str) -> str:
    """EIP-4361: at least 8 alphanumeric characters."""
    if not _NONCE.fullmatch(nonce):
        raise ValueError("a nonce is at least 8 letters and digits")
    return nonce


def compose(
    chain: Chain, *, domain: str, address: str, statement: str | None, values: Sequence[str]
) -> str:
    """Header, address, optional statement, then the chain's required fields in order."""
    if re.search(r"\s", domain) or (statement is not None and "\n" in statement):
        raise ValueError("domain has no spaces and statement is one line")
    head = [f"{domain} wants you to sign in with your {chain} account:", address, ""]
    head += [statement, ""] if statement else [""]
    names = _REQUIRED_FIELDS[chain]
    return "\n".join(head + [f"{n}: {v}" for n, v in zip(names, values, strict=True)])


def _field_lines(lines: Sequence[str]) -> Sequence[str]:
    """The `Name: value` lines after the address, skipping the optional statement."""
    if lines[3] == "":
        return lines[4:]
    if lines[4] == "":
        return lines[5:]
    raise WalletProofRejected("the statement must be one line followed by an empty line")


def _parse_fields(lines: Sequence[str], order: Sequence[str]) -> dict[str, str]:
    """Read `Name: value` lines that must follow `order`; each name at most once."""
    fields: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(": ")
        remaining = order[order.index(list(fields)[-1]) + 1 :] if fields else order
        if not sep or not value or name not in remaining:
            raise WalletProofRejected(f"unexpected line in sign-in message: {line[:40]!r}")
        fields[name] = value
    return fields


def _parse_time(fields: dict[str, str], name: str) -> datetime:
    """An RFC 3339 time with an offset."""
    try:
        moment = datetime.fromisoformat(fields[name])
    except ValueError:
        raise WalletProofRejected(f"{name} is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise WalletProofRejected(f"{name} has no time zone")
    return moment


def parse_sign_in_message(message: str, *, chain: Chain) -> SignInMessage:
    """Parse the EIP-4361 layout ('Ethereum') or our Stacks variant of it ('Stacks')."""
    lines = message.split("\n")
    header = _HEADER.fullmatch(lines[0])
    if header is None or header["chain"] != chain or len(lines) < 5 or lines[2]:
        raise WalletProofRejected(f"not a {chain} sign-in message")
    fields = _parse_fields(_field_lines(lines), _FIELD_ORDER[chain])
    missing = [name for name in _REQUIRED_FIELDS[chain] if name not in fields]
    if missing:
        raise WalletProofRejected(f"sign-in message lacks {', '.join(missing)}")
    if not _NONCE.fullmatch(fields["Nonce"]):
        raise WalletProofRejected("the nonce is not 8 or more letters and digits")
    if chain == "Ethereum" and (
        fields["Version"] != "1" or not EVM_CHAIN_ID.fullmatch(fields["Chain ID"])
    ):
        raise WalletProofRejected("unsupported SIWE version or chain id")
    return SignInMessage(
        domain=header["domain"],
        address=lines[1],
        nonce=fields["Nonce"],
        issued_at=_parse_time(fields, "Issued At"),
        expiration_time=_parse_time(fields, "Expiration Time"),
        not_before=_parse_time(fields, "Not Before") if "Not Before" in fields else None,
        chain_id=int(fields["Chain ID"]) if chain == "Ethereum" else None,
    )


def check_context(parsed: SignInMessage, *, domain: str, now: datetime) -> None:
    """Refuse a message for another site, or one used outside its validity window."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if parsed.domain != domain:
        raise WalletProofRejected("the message is for another domain")
    if now >= parsed.expiration_time:
        raise WalletProofRejected("the message has expired")
    if parsed.issued_at > now + CLOCK_SKEW:
        raise WalletProofRejected("the message is issued in the future")
    if parsed.not_before is not None and now < parsed.not_before:
        raise WalletProofRejected("the message is not valid yet")
