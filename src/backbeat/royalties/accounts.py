"""The ledger's account names, and payees as the API labels them: one naming scheme.

| name | kind | holds |
| --- | --- | --- |
| `payee:<payee id>` | payee | what the payee can claim now |
| `in_payout:<payee id>` | in_payout | claimed, not yet settled |
| `paid_out:<payee id>` | paid_out | settled payouts |
| `platform:fee` | fee | the platform's fees |
| `suspense:<track id>` | suspense | a track's unattributable part |
| `revenue:<source>` | revenue | minus all revenue of that source |

The payout functions of the royalties migration spell the three payee names in SQL: a migration
is history and is not rewritten, so a change here needs a migration there.
"""

from __future__ import annotations

import uuid
from typing import NamedTuple

from backbeat.catalog.shares import USER_PREFIX, PayeeRef

FEE_ACCOUNT = "platform:fee"
PAYEE_PREFIX = "payee:"
IN_PAYOUT_PREFIX = "in_payout:"
PAID_OUT_PREFIX = "paid_out:"
SUSPENSE_PREFIX = "suspense:"
REVENUE_PREFIX = "revenue:"
PAYEE_KINDS = (
    (PAYEE_PREFIX, "payee"),
    (IN_PAYOUT_PREFIX, "in_payout"),
    (PAID_OUT_PREFIX, "paid_out"),
)


def payee_account(payee_id: uuid.UUID | str) -> str:
    """Where a catalog payee's claimable money is."""
    return f"{PAYEE_PREFIX}{payee_id}"


def suspense_account(track_id: str) -> str:
    """Where a track's unattributable part waits, claimable once its sheet is fixed."""
    return f"{SUSPENSE_PREFIX}{track_id}"


def revenue_account(source: str) -> str:
    """Where revenue of a source comes from: it goes negative by the total revenue."""
    return f"{REVENUE_PREFIX}{source}"


class AccountKind(NamedTuple):
    """What an account name says: its kind and the payee or track it belongs to."""

    kind: str
    payee_id: str | None
    track_id: str | None


def account_kind(name: str) -> AccountKind:
    """The kind, payee and track of an account name (the columns stored next to it)."""
    if name == FEE_ACCOUNT:
        return AccountKind("fee", None, None)
    for prefix, kind in PAYEE_KINDS:
        if name.startswith(prefix):
            return AccountKind(kind, name.removeprefix(prefix), None)
    if name.startswith(SUSPENSE_PREFIX):
        return AccountKind("suspense", None, name.removeprefix(SUSPENSE_PREFIX))
    if name.startswith(REVENUE_PREFIX):
        return AccountKind("revenue", None, None)
    raise ValueError(f"unknown account {name!r}")


def own_payee(user_id: uuid.UUID) -> str:
    """A user's own payee as the API writes it (`user:<uuid>`, the catalog's spelling)."""
    return str(PayeeRef(user_id=user_id))


def payee_label_sql(payee: str = "p") -> str:
    """SQL for the label of a `catalog_payees` row aliased `payee`: `user:<uuid>`, or its wallet."""
    return (
        f"case when {payee}.user_id is not null then '{USER_PREFIX}' || {payee}.user_id "
        f"else {payee}.wallet end"
    )
