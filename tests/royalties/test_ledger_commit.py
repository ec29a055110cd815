"""The balance check runs at commit, so it needs a database that really commits."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from backbeat.embedded import DatabaseUrls


def test_an_unbalanced_transfer_is_refused_at_commit(committed_urls: DatabaseUrls) -> None:
    with psycopg.connect(committed_urls.owner) as conn:
        account = conn.execute(
            "insert into royalties_accounts (name, asset, kind) "
            "values ('platform:fee', 'USD', 'fee') returning id"
        ).fetchone()
        assert account is not None
        transfer = uuid.uuid4()
        conn.execute(
            "insert into royalties_transfers (id, kind) values (%s, 'allocation')", [transfer]
        )
        conn.execute(
            "insert into royalties_legs (transfer_id, account_id, amount) values (%s, %s, 5)",
            [transfer, account[0]],
        )
        with pytest.raises(psycopg.errors.CheckViolation, match="does not sum to zero"):
            conn.commit()
