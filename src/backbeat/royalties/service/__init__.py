"""Royalties use cases: revenue in, ledger views, payouts; each checks who may."""

from backbeat.royalties.service.access import Principal, is_admin
from backbeat.royalties.service.ledger import (
    balances,
    get_event,
    get_receipt,
    my_balances,
    payee_balances,
    payee_statement,
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
from backbeat.royalties.service.revenue import DISTRIBUTE_TASK, import_revenue, post_revenue

__all__ = [
    "DISTRIBUTE_TASK",
    "Principal",
    "balances",
    "get_event",
    "get_payout",
    "get_receipt",
    "import_revenue",
    "is_admin",
    "list_payouts",
    "my_balances",
    "payee_balances",
    "payee_statement",
    "post_revenue",
    "request_payout",
    "settle_payout",
    "statement",
    "statement_csv",
    "track_earnings",
]
