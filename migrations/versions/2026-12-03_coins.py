"""Artist coins and pools: mirrors of chain state (coins, holders, transfers, pools, positions,
pool events); public read, admin-only write under row-level security.

An admin is `app_role = 'admin'` in the claims, and a personal access token must also carry the
`admin` scope (the same rule as `royalties.service.access.is_admin`). The chain indexer writes as
the service role, which bypasses RLS. Applied logs (coin transfers and pool events) are
append-only for API callers: insert, never update or delete.

Revision ID: 20261203_coins
Revises: 20261203_listening
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261203_coins"
down_revision: str | None = "20261203_listening"
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


def upgrade() -> None:
    op.create_table(
        "offerings_coins",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("artist_payee_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("symbol", sa.Text(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("contract_address", sa.Text(), nullable=False),
        sa.Column("decimals", sa.SmallInteger(), nullable=False),
        sa.Column(
            "total_supply", sa.Numeric(precision=78, scale=0), server_default="0", nullable=False
        ),
        sa.Column("holder_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deployed_block", sa.BigInteger(), nullable=True),
        sa.Column("last_block", sa.BigInteger(), nullable=True),
        sa.Column("last_log_index", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "contract_address ~ '^0x[0-9a-fA-F]{40}$'",
            name=op.f("ck_offerings_coins_contract_address"),
        ),
        sa.CheckConstraint("chain_id > 0", name=op.f("ck_offerings_coins_chain_id")),
        sa.CheckConstraint(
            "char_length(name) between 1 and 100", name=op.f("ck_offerings_coins_name")
        ),
        sa.CheckConstraint(
            "char_length(symbol) between 1 and 11", name=op.f("ck_offerings_coins_symbol")
        ),
        sa.CheckConstraint("decimals between 0 and 77", name=op.f("ck_offerings_coins_decimals")),
        sa.CheckConstraint("holder_count >= 0", name=op.f("ck_offerings_coins_holder_count")),
        sa.CheckConstraint("total_supply >= 0", name=op.f("ck_offerings_coins_total_supply")),
        sa.ForeignKeyConstraint(
            ["artist_payee_id"],
            ["catalog_payees.id"],
            name=op.f("fk_offerings_coins_artist_payee_id_catalog_payees"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offerings_coins")),
        sa.UniqueConstraint("artist_payee_id", name=op.f("uq_offerings_coins_artist_payee_id")),
        sa.UniqueConstraint(
            "chain_id",
            "contract_address",
            name=op.f("uq_offerings_coins_chain_id_contract_address"),
        ),
    )
    op.create_index(
        "ix_offerings_coins_newest",
        "offerings_coins",
        [sa.literal_column("created_at desc"), sa.literal_column("id desc")],
        unique=False,
    )
    op.create_table(
        "offerings_coin_holders",
        sa.Column("coin_id", sa.Uuid(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("balance", sa.Numeric(precision=78, scale=0), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "address ~ '^0x[0-9a-fA-F]{40}$'", name=op.f("ck_offerings_coin_holders_address")
        ),
        sa.CheckConstraint("balance > 0", name=op.f("ck_offerings_coin_holders_balance")),
        sa.ForeignKeyConstraint(
            ["coin_id"],
            ["offerings_coins.id"],
            name=op.f("fk_offerings_coin_holders_coin_id_offerings_coins"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("coin_id", "address", name=op.f("pk_offerings_coin_holders")),
    )
    op.create_index(
        "ix_offerings_coin_holders_largest",
        "offerings_coin_holders",
        ["coin_id", sa.literal_column("balance desc"), "address"],
        unique=False,
    )
    op.create_table(
        "offerings_coin_transfers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("coin_id", sa.Uuid(), nullable=False),
        sa.Column("sender", sa.Text(), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=78, scale=0), nullable=False),
        sa.Column("tx_hash", sa.Text(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "sender ~ '^0x[0-9a-fA-F]{40}$' and recipient ~ '^0x[0-9a-fA-F]{40}$'",
            name=op.f("ck_offerings_coin_transfers_addresses"),
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_offerings_coin_transfers_amount")),
        sa.CheckConstraint(
            "log_index >= 0 and block_number >= 0",
            name=op.f("ck_offerings_coin_transfers_chain_position"),
        ),
        sa.ForeignKeyConstraint(
            ["coin_id"],
            ["offerings_coins.id"],
            name=op.f("fk_offerings_coin_transfers_coin_id_offerings_coins"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offerings_coin_transfers")),
        sa.UniqueConstraint(
            "tx_hash", "log_index", name=op.f("uq_offerings_coin_transfers_tx_hash_log_index")
        ),
    )
    op.create_index(
        "ix_offerings_coin_transfers_newest",
        "offerings_coin_transfers",
        ["coin_id", sa.literal_column("block_number desc"), sa.literal_column("log_index desc")],
        unique=False,
    )
    op.create_table(
        "offerings_pools",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("coin_id", sa.Uuid(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("token0", sa.Text(), nullable=False),
        sa.Column("token1", sa.Text(), nullable=False),
        sa.Column(
            "reserve0", sa.Numeric(precision=78, scale=0), server_default="0", nullable=False
        ),
        sa.Column(
            "reserve1", sa.Numeric(precision=78, scale=0), server_default="0", nullable=False
        ),
        sa.Column(
            "total_liquidity", sa.Numeric(precision=78, scale=0), server_default="0", nullable=False
        ),
        sa.Column("position_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_block", sa.BigInteger(), nullable=True),
        sa.Column("last_log_index", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "address ~ '^0x[0-9a-fA-F]{40}$'", name=op.f("ck_offerings_pools_address")
        ),
        sa.CheckConstraint(
            "token0 ~ '^0x[0-9a-fA-F]{40}$' and token1 ~ '^0x[0-9a-fA-F]{40}$' and token0 <> token1",
            name=op.f("ck_offerings_pools_tokens"),
        ),
        sa.CheckConstraint("position_count >= 0", name=op.f("ck_offerings_pools_position_count")),
        sa.CheckConstraint(
            "reserve0 >= 0 and reserve1 >= 0 and total_liquidity >= 0",
            name=op.f("ck_offerings_pools_reserves"),
        ),
        sa.ForeignKeyConstraint(
            ["coin_id"],
            ["offerings_coins.id"],
            name=op.f("fk_offerings_pools_coin_id_offerings_coins"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offerings_pools")),
        sa.UniqueConstraint(
            "chain_id", "address", name=op.f("uq_offerings_pools_chain_id_address")
        ),
    )
    op.create_index("ix_offerings_pools_coin_id", "offerings_pools", ["coin_id"], unique=False)
    op.create_table(
        "offerings_pool_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pool_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("account", sa.Text(), nullable=True),
        sa.Column("amount0_in", sa.Numeric(precision=78, scale=0), nullable=False),
        sa.Column("amount1_in", sa.Numeric(precision=78, scale=0), nullable=False),
        sa.Column("amount0_out", sa.Numeric(precision=78, scale=0), nullable=False),
        sa.Column("amount1_out", sa.Numeric(precision=78, scale=0), nullable=False),
        sa.Column("liquidity", sa.Numeric(precision=78, scale=0), nullable=False),
        sa.Column("reserve0_after", sa.Numeric(precision=78, scale=0), nullable=False),
        sa.Column("reserve1_after", sa.Numeric(precision=78, scale=0), nullable=False),
        sa.Column("tx_hash", sa.Text(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "account is null or account ~ '^0x[0-9a-fA-F]{40}$'",
            name=op.f("ck_offerings_pool_events_account"),
        ),
        sa.CheckConstraint(
            "kind in ('swap', 'mint', 'burn')", name=op.f("ck_offerings_pool_events_kind")
        ),
        sa.CheckConstraint(
            "least(amount0_in, amount1_in, amount0_out, amount1_out, liquidity) >= 0",
            name=op.f("ck_offerings_pool_events_amounts"),
        ),
        sa.CheckConstraint(
            "log_index >= 0 and block_number >= 0",
            name=op.f("ck_offerings_pool_events_chain_position"),
        ),
        sa.CheckConstraint(
            "reserve0_after >= 0 and reserve1_after >= 0",
            name=op.f("ck_offerings_pool_events_reserves"),
        ),
        sa.ForeignKeyConstraint(
            ["pool_id"],
            ["offerings_pools.id"],
            name=op.f("fk_offerings_pool_events_pool_id_offerings_pools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offerings_pool_events")),
        sa.UniqueConstraint(
            "tx_hash", "log_index", name=op.f("uq_offerings_pool_events_tx_hash_log_index")
        ),
    )
    op.create_index(
        "ix_offerings_pool_events_newest",
        "offerings_pool_events",
        ["pool_id", sa.literal_column("block_number desc"), sa.literal_column("log_index desc")],
        unique=False,
    )
    op.create_table(
        "offerings_pool_positions",
        sa.Column("pool_id", sa.Uuid(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("liquidity", sa.Numeric(precision=78, scale=0), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "owner ~ '^0x[0-9a-fA-F]{40}$'", name=op.f("ck_offerings_pool_positions_owner")
        ),
        sa.CheckConstraint("liquidity > 0", name=op.f("ck_offerings_pool_positions_liquidity")),
        sa.ForeignKeyConstraint(
            ["pool_id"],
            ["offerings_pools.id"],
            name=op.f("fk_offerings_pool_positions_pool_id_offerings_pools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pool_id", "owner", name=op.f("pk_offerings_pool_positions")),
    )
    op.create_index(
        "ix_offerings_pool_positions_largest",
        "offerings_pool_positions",
        ["pool_id", sa.literal_column("liquidity desc"), "owner"],
        unique=False,
    )

    op.execute(row_security())


def downgrade() -> None:
    op.drop_index("ix_offerings_pool_positions_largest", table_name="offerings_pool_positions")
    op.drop_table("offerings_pool_positions")
    op.drop_index("ix_offerings_pool_events_newest", table_name="offerings_pool_events")
    op.drop_table("offerings_pool_events")
    op.drop_index("ix_offerings_pools_coin_id", table_name="offerings_pools")
    op.drop_table("offerings_pools")
    op.drop_index("ix_offerings_coin_transfers_newest", table_name="offerings_coin_transfers")
    op.drop_table("offerings_coin_transfers")
    op.drop_index("ix_offerings_coin_holders_largest", table_name="offerings_coin_holders")
    op.drop_table("offerings_coin_holders")
    op.drop_index("ix_offerings_coins_newest", table_name="offerings_coins")
    op.drop_table("offerings_coins")
