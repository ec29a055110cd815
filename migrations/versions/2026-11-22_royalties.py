"""Royalties: revenue events, the append-only double-entry ledger, receipts, payouts, RLS.

Revision ID: 20261122_royalties
Revises: 20261122_catalog_search
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261122_royalties"
down_revision: str | None = "20261122_catalog_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWN = "(select auth.uid())"
IS_ADMIN = "((select auth.jwt() ->> 'app_role') = 'admin')"
MY_ACCOUNTS = "((select royalties_my_account_ids())::bigint[])"
LEDGER = ("royalties_legs", "royalties_transfers", "royalties_receipts", "royalties_plans")

APPEND_ONLY = """
create function royalties_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only: post a correcting transfer instead', tg_table_name
    using errcode = '55000';
end
$$;
"""


def append_only(table: str) -> str:
    """Nobody but the owner may UPDATE or DELETE, and a trigger refuses even the owner."""
    return f"""
revoke update, delete, truncate on {table} from public, backbeat_anon, backbeat_user,
  backbeat_service, backbeat_api;
create trigger {table}_append_only before update or delete on {table}
  for each row execute function royalties_refuse_change();
create trigger {table}_no_truncate before truncate on {table}
  for each statement execute function royalties_refuse_change();
"""


BALANCED = """
create function royalties_check_transfer() returns trigger language plpgsql as $$
declare
  _legs bigint;
  _unbalanced text;
begin
  -- legs by the primary key, each account by its primary key: no join order for a planner
  -- without statistics (a bulk load in one transaction) to get wrong
  select sum(n), min(asset) filter (where total <> 0) into _legs, _unbalanced
  from (select asset, count(*) as n, sum(amount) as total
        from (select l.amount,
                     (select a.asset from royalties_accounts a where a.id = l.account_id) as asset
              from royalties_legs l where l.transfer_id = new.id) legs
        group by asset) per_asset;
  if coalesce(_legs, 0) = 0 then
    raise exception 'transfer % has no legs', new.id using errcode = '23514';
  end if;
  if _unbalanced is not null then
    raise exception 'transfer % does not sum to zero in %', new.id, _unbalanced
      using errcode = '23514';
  end if;
  return null;
end
$$;
create constraint trigger royalties_transfers_balanced after insert on royalties_transfers
  deferrable initially deferred for each row execute function royalties_check_transfer();

create function royalties_check_legs() returns trigger language plpgsql as $$
begin
  if exists (
    select 1 from (select distinct transfer_id from new_legs) n
    left join royalties_transfers t on t.id = n.transfer_id
    where t.id is null or t.txid <> pg_current_xact_id()::text::bigint
  ) or exists (
    select 1 from (select distinct account_id from new_legs) n
    left join royalties_accounts a on a.id = n.account_id where a.id is null
  ) then
    raise exception 'legs need an account and a transfer posted in the same transaction'
      using errcode = '23503';
  end if;
  return null;
end
$$;
create trigger royalties_legs_with_transfer after insert on royalties_legs
  referencing new table as new_legs for each statement execute function royalties_check_legs();
"""

FUNCTIONS = """
create function royalties_payees_of(_user uuid) returns uuid[]
language sql stable security definer set search_path = public as $$
  select coalesce(array_agg(p.id), '{}') from catalog_payees p
  where p.user_id = _user
     or p.wallet in (select w.caip10 from identity_wallets w where w.user_id = _user)
$$;
create function royalties_my_account_ids() returns bigint[]
language sql stable security definer set search_path = public as $$
  select coalesce(array_agg(a.id), '{}') from royalties_accounts a
  where a.payee_id = any(royalties_payees_of(auth.uid()))
$$;
create function royalties_transfer_of_my_track(_transfer uuid) returns boolean
language sql stable security definer set search_path = public as $$
  select exists (select 1 from royalties_transfers t join catalog_tracks c on c.id = t.track_id
                 where t.id = _transfer and c.created_by = auth.uid())
$$;
create function royalties_track_ids(_ids uuid[], _isrcs text[])
returns table (track_id uuid, isrc text)
language sql stable security definer set search_path = public as $$
  select c.id, c.isrc from catalog_tracks c
  where c.deleted_at is null and (c.id = any(_ids) or c.isrc = any(_isrcs))
$$;

create function royalties_account(_name text, _asset text, _kind text, _payee uuid)
returns bigint language plpgsql as $$
declare
  _id bigint;
begin
  select id into _id from royalties_accounts where name = _name and asset = _asset;
  if _id is null then
    insert into royalties_accounts (name, asset, kind, payee_id) values (_name, _asset, _kind, _payee)
      on conflict (name, asset) do nothing returning id into _id;
    if _id is null then
      select id into _id from royalties_accounts where name = _name and asset = _asset;
    end if;
  end if;
  return _id;
end
$$;

create function royalties_post(
  _transfer uuid, _kind text, _payout uuid, _accounts bigint[], _amounts numeric[]
) returns void language plpgsql as $$
begin
  insert into royalties_transfers (id, kind, payout_id) values (_transfer, _kind, _payout);
  insert into royalties_legs (transfer_id, account_id, amount)
    select _transfer, a, m from unnest(_accounts, _amounts) as x(a, m);
  insert into royalties_balances (account_id, balance)
    select a, m from unnest(_accounts, _amounts) as x(a, m)
    on conflict (account_id) do update set balance = royalties_balances.balance + excluded.balance;
end
$$;

create function royalties_request_payout(
  _payout uuid, _transfer uuid, _payee uuid, _asset text, _amount numeric
) returns numeric language plpgsql security definer set search_path = public as $$
declare
  _from bigint;
  _available numeric;
  _to bigint;
begin
  if auth.uid() is null or not (_payee = any(royalties_payees_of(auth.uid()))) then
    raise exception 'payee % is not yours', _payee using errcode = '42501';
  end if;
  select id into _from from royalties_accounts where name = 'payee:' || _payee and asset = _asset;
  select balance into _available from royalties_balances where account_id = _from for update;
  if _amount is null then
    _amount := coalesce(_available, 0);
  end if;
  if _amount <= 0 or coalesce(_available, 0) < _amount then
    raise exception 'available % is less than %', coalesce(_available, 0), _amount
      using errcode = 'RY001';
  end if;
  _to := royalties_account('in_payout:' || _payee, _asset, 'in_payout', _payee);
  insert into royalties_payouts (id, payee_id, asset, amount, requested_by)
    values (_payout, _payee, _asset, _amount, auth.uid());
  perform royalties_post(_transfer, 'payout_request', _payout, array[_from, _to],
                         array[-_amount, _amount]);
  return _amount;
end
$$;

create function royalties_settle_payout(
  _payout uuid, _transfer uuid, _paid boolean, _note text
) returns text language plpgsql security definer set search_path = public as $$
declare
  _row royalties_payouts;
  _from bigint;
  _to bigint;
begin
  if not ((auth.jwt() ->> 'app_role') = 'admin'
          or coalesce(auth.jwt() -> 'scopes', '[]') ? 'payouts:write') then
    raise exception 'only an admin or a payout provider settles payouts' using errcode = '42501';
  end if;
  select * into _row from royalties_payouts where id = _payout for update;
  if _row.id is null then
    raise exception 'no payout %', _payout using errcode = 'RY002';
  end if;
  if _row.status <> 'requested' then
    return _row.status;
  end if;
  _from := royalties_account('in_payout:' || _row.payee_id, _row.asset, 'in_payout', _row.payee_id);
  if _paid then
    _to := royalties_account('paid_out:' || _row.payee_id, _row.asset, 'paid_out', _row.payee_id);
  else
    _to := royalties_account('payee:' || _row.payee_id, _row.asset, 'payee', _row.payee_id);
  end if;
  update royalties_payouts
    set status = case when _paid then 'paid' else 'failed' end, settled_at = now(),
        external_reference = case when _paid then _note end,
        failure_reason = case when _paid then null else _note end
    where id = _payout;
  perform royalties_post(_transfer, case when _paid then 'payout_paid' else 'payout_failed' end,
                         _payout, array[_from, _to], array[-_row.amount, _row.amount]);
  return case when _paid then 'paid' else 'failed' end;
end
$$;
revoke all on function royalties_request_payout(uuid, uuid, uuid, text, numeric) from public;
revoke all on function royalties_settle_payout(uuid, uuid, boolean, text) from public;
revoke all on function royalties_post(uuid, text, uuid, bigint[], numeric[]) from public;
revoke all on function royalties_account(text, text, text, uuid) from public;
grant execute on function royalties_request_payout(uuid, uuid, uuid, text, numeric),
  royalties_settle_payout(uuid, uuid, boolean, text), royalties_payees_of(uuid),
  royalties_my_account_ids(), royalties_transfer_of_my_track(uuid),
  royalties_track_ids(uuid[], text[]) to backbeat_user, backbeat_service;
"""

ROW_SECURITY = f"""
alter table royalties_revenue_events enable row level security;
grant select on royalties_revenue_events to backbeat_user;
grant insert on royalties_revenue_events to backbeat_user;
create policy royalties_events_read on royalties_revenue_events for select to backbeat_user
  using ({IS_ADMIN} or submitted_by = {OWN}::text
         or track_id in (select id from catalog_tracks where created_by = {OWN})
         or exists (select 1 from royalties_transfers t where t.event_id = royalties_revenue_events.id));
create policy royalties_events_post on royalties_revenue_events for insert to backbeat_user
  with check (submitted_by = {OWN}::text and status = 'accepted' and revision = 0
              and ({IS_ADMIN} or coalesce((select auth.jwt() -> 'scopes'), '[]') ? 'revenue:write'));

alter table royalties_accounts enable row level security;
grant select on royalties_accounts to backbeat_user;
create policy royalties_accounts_read on royalties_accounts for select to backbeat_user
  using (true);  -- names only (payees are public in the catalog); balances stay private

alter table royalties_balances enable row level security;
grant select on royalties_balances to backbeat_user;
create policy royalties_balances_read on royalties_balances for select to backbeat_user
  using ({IS_ADMIN} or account_id = any({MY_ACCOUNTS}));

alter table royalties_legs enable row level security;
grant select on royalties_legs to backbeat_user;
create policy royalties_legs_read on royalties_legs for select to backbeat_user
  using ({IS_ADMIN} or account_id = any({MY_ACCOUNTS})
         or royalties_transfer_of_my_track(transfer_id));

alter table royalties_transfers enable row level security;
grant select on royalties_transfers to backbeat_user;
create policy royalties_transfers_read on royalties_transfers for select to backbeat_user
  using ({IS_ADMIN}
         or track_id in (select id from catalog_tracks where created_by = {OWN})
         or exists (select 1 from royalties_legs l
                    where l.transfer_id = royalties_transfers.id and l.account_id = any({MY_ACCOUNTS})));

alter table royalties_receipts enable row level security;
grant select on royalties_receipts to backbeat_user;
create policy royalties_receipts_read on royalties_receipts for select to backbeat_user
  using (exists (select 1 from royalties_transfers t where t.id = royalties_receipts.transfer_id));

alter table royalties_plans enable row level security;
grant select on royalties_plans to backbeat_user;
create policy royalties_plans_read on royalties_plans for select to backbeat_user
  using (exists (select 1 from royalties_receipts r where r.plan_id = royalties_plans.id));

alter table royalties_payouts enable row level security;
grant select on royalties_payouts to backbeat_user;
create policy royalties_payouts_read on royalties_payouts for select to backbeat_user
  using ({IS_ADMIN} or requested_by = {OWN}
         or payee_id = any(((select royalties_payees_of(auth.uid())))::uuid[]));

alter table royalties_restatements enable row level security;
"""


def upgrade() -> None:
    op.create_table(
        "royalties_legs",
        sa.Column("transfer_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=78, scale=0), nullable=False),
        sa.PrimaryKeyConstraint("transfer_id", "account_id", name=op.f("pk_royalties_legs")),
    )
    op.create_index(
        "ix_royalties_legs_account_id_transfer_id",
        "royalties_legs",
        ["account_id", "transfer_id"],
        unique=False,
    )
    op.create_table(
        "royalties_plans",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("fee_ppm", sa.Integer(), nullable=False),
        sa.Column("composition_ppm", sa.Integer(), nullable=False),
        sa.Column("max_depth", sa.Integer(), nullable=False),
        sa.Column("rights", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("tracks", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_royalties_plans")),
    )
    op.create_index(
        "ix_royalties_plans_tracks",
        "royalties_plans",
        ["tracks"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_table(
        "royalties_transfers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("payout_id", sa.Uuid(), nullable=True),
        sa.Column("track_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column(
            "posted_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column(
            "txid",
            sa.BigInteger(),
            server_default=sa.text("pg_current_xact_id()::text::bigint"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind in ('allocation', 'reversal', 'reallocation', 'payout_request', 'payout_paid', 'payout_failed')",
            name=op.f("ck_royalties_transfers_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_royalties_transfers")),
    )
    op.create_index(
        "ix_royalties_transfers_event_id", "royalties_transfers", ["event_id"], unique=False
    )
    op.create_index(
        "ix_royalties_transfers_track_id_posted_at",
        "royalties_transfers",
        ["track_id", "posted_at"],
        unique=False,
    )
    op.create_table(
        "royalties_receipts",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Text(), nullable=False),
        sa.Column("receipt_hash", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["royalties_plans.id"],
            name=op.f("fk_royalties_receipts_plan_id_royalties_plans"),
        ),
        sa.PrimaryKeyConstraint("event_id", "revision", name=op.f("pk_royalties_receipts")),
    )
    op.create_table(
        "royalties_accounts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("asset", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("payee_id", sa.Uuid(), nullable=True),
        sa.Column("track_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "kind in ('payee', 'fee', 'revenue', 'suspense', 'in_payout', 'paid_out')",
            name=op.f("ck_royalties_accounts_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["payee_id"],
            ["catalog_payees.id"],
            name=op.f("fk_royalties_accounts_payee_id_catalog_payees"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_royalties_accounts")),
        sa.UniqueConstraint("name", "asset", name=op.f("uq_royalties_accounts_name_asset")),
    )
    op.create_index(
        "ix_royalties_accounts_payee_id", "royalties_accounts", ["payee_id"], unique=False
    )
    op.create_table(
        "royalties_payouts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("payee_id", sa.Uuid(), nullable=False),
        sa.Column("asset", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=78, scale=0), nullable=False),
        sa.Column("status", sa.Text(), server_default="requested", nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column(
            "requested_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("external_reference", sa.Text(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status in ('requested', 'paid', 'failed')", name=op.f("ck_royalties_payouts_status")
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_royalties_payouts_amount")),
        sa.ForeignKeyConstraint(
            ["payee_id"],
            ["catalog_payees.id"],
            name=op.f("fk_royalties_payouts_payee_id_catalog_payees"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["identity_users.id"],
            name=op.f("fk_royalties_payouts_requested_by_identity_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_royalties_payouts")),
    )
    op.create_index(
        op.f("ix_royalties_payouts_payee_id"), "royalties_payouts", ["payee_id"], unique=False
    )
    op.create_index(
        "ix_royalties_payouts_requested_by_id",
        "royalties_payouts",
        ["requested_by", "id"],
        unique=False,
    )
    op.create_table(
        "royalties_revenue_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("submitted_by", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("body_hash", sa.Text(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=78, scale=0), nullable=False),
        sa.Column("asset", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("territory", sa.Text(), nullable=True),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="accepted", nullable=False),
        sa.Column("revision", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "source in ('stream', 'download', 'sale', 'license', 'sync', 'tip', 'dividend', 'other')",
            name=op.f("ck_royalties_revenue_events_source"),
        ),
        sa.CheckConstraint(
            "status in ('accepted', 'allocated')", name=op.f("ck_royalties_revenue_events_status")
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_royalties_revenue_events_amount")),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["catalog_tracks.id"],
            name=op.f("fk_royalties_revenue_events_track_id_catalog_tracks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_royalties_revenue_events")),
        sa.UniqueConstraint(
            "submitted_by",
            "idempotency_key",
            name=op.f("uq_royalties_revenue_events_submitted_by_idempotency_key"),
        ),
    )
    op.create_index(
        "ix_royalties_revenue_events_accepted",
        "royalties_revenue_events",
        ["id"],
        unique=False,
        postgresql_where=sa.text("status = 'accepted'"),
    )
    op.create_index(
        "ix_royalties_revenue_events_track_id_occurred_at",
        "royalties_revenue_events",
        ["track_id", "occurred_at"],
        unique=False,
    )
    op.create_table(
        "royalties_balances",
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("balance", sa.Numeric(precision=78, scale=0), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["royalties_accounts.id"],
            name=op.f("fk_royalties_balances_account_id_royalties_accounts"),
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_royalties_balances")),
    )
    op.create_table(
        "royalties_restatements",
        sa.Column("split_version_id", sa.Uuid(), nullable=False),
        sa.Column("events_restated", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["split_version_id"],
            ["catalog_split_versions.id"],
            name=op.f("fk_royalties_restatements_split_version_id_catalog_split_versions"),
        ),
        sa.PrimaryKeyConstraint("split_version_id", name=op.f("pk_royalties_restatements")),
    )
    op.execute(APPEND_ONLY)
    for table in LEDGER:
        op.execute(append_only(table))
    op.execute(BALANCED)
    op.execute(FUNCTIONS)
    op.execute(ROW_SECURITY)


def downgrade() -> None:
    """Policies reference each other's tables, so the tables go together."""
    op.execute(
        "drop table if exists royalties_restatements, royalties_balances, royalties_payouts, "
        "royalties_revenue_events, royalties_receipts, royalties_plans, royalties_legs, "
        "royalties_transfers, royalties_accounts cascade"
    )
    for function in (
        "royalties_settle_payout(uuid, uuid, boolean, text)",
        "royalties_request_payout(uuid, uuid, uuid, text, numeric)",
        "royalties_post(uuid, text, uuid, bigint[], numeric[])",
        "royalties_account(text, text, text, uuid)",
        "royalties_track_ids(uuid[], text[])",
        "royalties_transfer_of_my_track(uuid)",
        "royalties_my_account_ids()",
        "royalties_payees_of(uuid)",
        "royalties_check_legs()",
        "royalties_check_transfer()",
        "royalties_refuse_change()",
    ):
        op.execute(f"drop function if exists {function}")
