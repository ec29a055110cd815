"""Royalties use cases: revenue in, ledger views, payouts."""

from backbeat.royalties.service.ledger import (
    balances,
    get_event,
    get_receipt,
    my_payees,
    resolve_payee,
    statement,
    statement_csv,
    track_earnings,
)
from backbeat.royalties.service.payouts import (
    get_payout,
    list_payouts,
    request_payout,
    settle_payout,
)
from backbeat.royalties.service.revenue import DISTRIBUTE_TASK, Poster, post_revenue

__all__ = [
    "DISTRIBUTE_TASK",
    "Poster",
    "balances",
    "get_event",
    "get_payout",
    "get_receipt",
    "list_payouts",
    "my_payees",
    "post_revenue",
    "request_payout",
    "resolve_payee",
    "settle_payout",
    "statement",
    "statement_csv",
    "track_earnings",
]
