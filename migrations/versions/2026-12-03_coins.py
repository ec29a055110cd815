"""Artist coins and pools: mirrors of chain state (coins, holders, transfers, pools, positions,
pool events); public read, admin-only write under row-level security.

An admin is `app_role = 'admin'` in the claims, and a personal access token must also carry the
`admin` scope (the same rule as `royalties.service.access.is_admin`). The chain indexer writes as
the service role, which bypasses RLS. Applied logs (coin transfers and pool events) are
append-only for API callers: insert, never update or delete.

Revision ID: 20261203_coins
Revises: 20261203_webhooks
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261203_coins"
down_revision: str | None = "20261203_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IS_ADMIN = (
    "((select auth.jwt() ->> 'app_role') = 'admin' "
    "and ((select auth.jwt() ->> 'token_kind') is distinct from 'personal_access' "
    "or coalesce((select auth.jwt() -> 'scopes'), '[]'::jsonb) ? 'admin'))"
)
MIRRORS = (
    "offerings_coins",
    "offerings_coin_holders",
    "offerings_pools",
    "offerings_pool_positions",
)
LOGS = ("offerings_coin_transfers", "offerings_pool_events")


def row_security() -> str:
    """Everyone reads; admins write the mirrors and append to the logs."""
    statements = []
    for table in MIRRORS + LOGS:
        writes = "insert" if table in LOGS else "insert, update, delete"
        statements.append(f"""
alter table {table} enable row level security;
grant select on {table} to backbeat_anon, backbeat_user;
grant {writes} on {table} to backbeat_user;
create policy {table}_read on {table} for select to backbeat_anon, backbeat_user using (true);
create policy {table}_admin_insert on {table} for insert to backbeat_user
  with check ({IS_ADMIN});""")
        if table in MIRRORS:
            statements.append(f"""
create policy {table}_admin_update on {table} for update to backbeat_user
  using ({IS_ADMIN}) with check ({IS_ADMIN});
create policy {table}_admin_delete on {table} for delete to backbeat_user using ({IS_ADMIN});""")
    return "\n".join(statements)


ADDRESS = "~ '^0x[0-9a-fA-F]{40}$'"


def _text(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Text(), nullable=nullable)


def _units(name: str, default: str | None = None) -> sa.Column:  # type: ignore[type-arg]
    """uint256 token units."""
    return sa.Column(
        name, sa.Numeric(precision=78, scale=0), server_default=default, nullable=False
    )


def _count(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Integer(), server_default="0", nullable=False)


def _now(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _check(table: str, name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))


def _parent(table: str, column: str, parent: str, ondelete: str | None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{parent}.id"], name=op.f(f"fk_{table}_{column}_{parent}"), ondelete=ondelete
    )


def _mirror(
    table: str,
    *columns: sa.Column,  # type: ignore[type-arg]
    checks: dict[str, str],
    constraints: Sequence[sa.Constraint],
) -> None:
    """A table mirroring chain state: an id, its columns, the last log applied, timestamps."""
    op.create_table(
        table,
        sa.Column("id", sa.Uuid(), nullable=False),
        *columns,
        sa.Column("last_block", sa.BigInteger(), nullable=True),
        sa.Column("last_log_index", sa.Integer(), nullable=True),
        _now("created_at"),
        _now("updated_at"),
        *(_check(table, name, condition) for name, condition in checks.items()),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        *constraints,
    )


def _log(table: str, parent: str, *columns: sa.Column, checks: dict[str, str]) -> None:  # type: ignore[type-arg]
    """An applied chain log of a coin or pool: unique by (tx hash, log index), newest first."""
    parent_column = "coin_id" if parent == "offerings_coins" else "pool_id"
    op.create_table(
        table,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(parent_column, sa.Uuid(), nullable=False),
        *columns,
        _text("tx_hash"),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        _now("occurred_at"),
        _now("recorded_at"),
        *(_check(table, name, condition) for name, condition in checks.items()),
        _check(table, "chain_position", "log_index >= 0 and block_number >= 0"),
        _parent(table, parent_column, parent, "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("tx_hash", "log_index", name=op.f(f"uq_{table}_tx_hash_log_index")),
    )
    op.create_index(
        f"ix_{table}_newest",
        table,
        [
            parent_column,
            sa.literal_column("block_number desc"),
            sa.literal_column("log_index desc"),
        ],
    )


def _holdings(table: str, parent: str, owner: str, amount: str) -> None:
    """Who holds how much of a coin (or a pool's liquidity); zero removes the row."""
    parent_column = "coin_id" if parent == "offerings_coins" else "pool_id"
    op.create_table(
        table,
        sa.Column(parent_column, sa.Uuid(), nullable=False),
        _text(owner),
        _units(amount),
        _now("updated_at"),
        _check(table, owner, f"{owner} {ADDRESS}"),
        _check(table, amount, f"{amount} > 0"),
        _parent(table, parent_column, parent, "CASCADE"),
        sa.PrimaryKeyConstraint(parent_column, owner, name=op.f(f"pk_{table}")),
    )
    op.create_index(
        f"ix_{table}_largest", table, [parent_column, sa.literal_column(f"{amount} desc"), owner]
    )


def create_coins() -> None:
    _mirror(
        "offerings_coins",
        sa.Column("artist_payee_id", sa.Uuid(), nullable=False),
        _text("name"),
        _text("symbol"),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        _text("contract_address"),
        sa.Column("decimals", sa.SmallInteger(), nullable=False),
        _units("total_supply", "0"),
        _count("holder_count"),
        sa.Column("deployed_block", sa.BigInteger(), nullable=True),
        checks={
            "contract_address": f"contract_address {ADDRESS}",
            "chain_id": "chain_id > 0",
            "name": "char_length(name) between 1 and 100",
            "symbol": "char_length(symbol) between 1 and 11",
            "decimals": "decimals between 0 and 77",
            "holder_count": "holder_count >= 0",
            "total_supply": "total_supply >= 0",
        },
        constraints=[
            _parent("offerings_coins", "artist_payee_id", "catalog_payees", None),
            sa.UniqueConstraint("artist_payee_id", name=op.f("uq_offerings_coins_artist_payee_id")),
            sa.UniqueConstraint(
                "chain_id",
                "contract_address",
                name=op.f("uq_offerings_coins_chain_id_contract_address"),
            ),
        ],
    )
    op.create_index(
        "ix_offerings_coins_newest",
        "offerings_coins",
        [sa.literal_column("created_at desc"), sa.literal_column("id desc")],
    )
    _holdings("offerings_coin_holders", "offerings_coins", "address", "balance")
    _log(
        "offerings_coin_transfers",
        "offerings_coins",
        _text("sender"),
        _text("recipient"),
        _units("amount"),
        checks={
            "addresses": f"sender {ADDRESS} and recipient {ADDRESS}",
            "amount": "amount >= 0",
        },
    )


def create_pools() -> None:
    _mirror(
        "offerings_pools",
        sa.Column("coin_id", sa.Uuid(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        _text("address"),
        _text("token0"),
        _text("token1"),
        _units("reserve0", "0"),
        _units("reserve1", "0"),
        _units("total_liquidity", "0"),
        _count("position_count"),
        checks={
            "address": f"address {ADDRESS}",
            "tokens": f"token0 {ADDRESS} and token1 {ADDRESS} and token0 <> token1",
            "position_count": "position_count >= 0",
            "reserves": "reserve0 >= 0 and reserve1 >= 0 and total_liquidity >= 0",
        },
        constraints=[
            _parent("offerings_pools", "coin_id", "offerings_coins", None),
            sa.UniqueConstraint(
                "chain_id", "address", name=op.f("uq_offerings_pools_chain_id_address")
            ),
        ],
    )
    op.create_index("ix_offerings_pools_coin_id", "offerings_pools", ["coin_id"])
    _holdings("offerings_pool_positions", "offerings_pools", "owner", "liquidity")
    amounts = ("amount0_in", "amount1_in", "amount0_out", "amount1_out", "liquidity")
    _log(
        "offerings_pool_events",
        "offerings_pools",
        _text("kind"),
        _text("account", nullable=True),
        *(_units(name) for name in (*amounts, "reserve0_after", "reserve1_after")),
        checks={
            "account": f"account is null or account {ADDRESS}",
            "amounts": f"least({', '.join(amounts)}) >= 0",
            "kind": "kind in ('swap', 'mint', 'burn')",
            "reserves": "reserve0_after >= 0 and reserve1_after >= 0",
        },
    )


def upgrade() -> None:
    create_coins()
    create_pools()
    op.execute(row_security())


def downgrade() -> None:
    for table in (*LOGS[::-1], "offerings_pool_positions", "offerings_pools"):
        op.drop_table(table)
    for table in ("offerings_coin_holders", "offerings_coins"):
        op.drop_table(table)
