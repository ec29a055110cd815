"""Outbound webhooks: endpoints with sealed secrets, the event outbox, deliveries; RLS.

`billing_webhook_emit(type, data[], owners[], keys[])` is how every domain writes events: a
SECURITY DEFINER function, so any caller (a user's request, an admin, a job) writes the outbox
row in its own transaction without any grant on the table. When some enabled endpoint wants the
type, it also queues ONE `webhooks.fan_out` job per transaction (a transaction-local setting
remembers it). When no endpoint wants the type, nothing is stored (bulk emitters such as the
royalty engine then cost one cheap statement), except events with a dedupe key, which are stored
as already fanned out so the key still refuses a second emission later.

Revision ID: 20261203_webhooks
Revises: 20261203_billing
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261203_webhooks"
down_revision: str | None = "20261203_billing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWN = "(select auth.uid())"
IS_ADMIN = "((select auth.jwt() ->> 'app_role') = 'admin')"

UUID7 = """
create function billing_webhook_uuid7() returns uuid language sql volatile as $$
  select encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing
    substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
    from 1 for 6), 52, 1), 53, 1), 'hex')::uuid
$$;
"""
"""A time-ordered UUID (RFC 9562 version 7) made in SQL, for rows that SQL inserts."""

EMIT = """
create function billing_webhook_wanted(_type text) returns boolean
language sql stable security definer set search_path = public, pg_temp as $$
  select exists (select 1 from billing_webhook_endpoints
                 where status = 'enabled' and _type = any(events))
$$;
revoke all on function billing_webhook_wanted(text) from public;
grant execute on function billing_webhook_wanted(text) to backbeat_user, backbeat_service;

create function billing_webhook_emit(
  _type text, _data jsonb[], _owners uuid[], _keys text[]
) returns uuid[] language plpgsql security definer set search_path = public, pg_temp as $$
declare
  _wanted boolean;
  _ids uuid[];
begin
  if _type !~ '^[a-z]+(\\.[a-z_]+)+$' or cardinality(_data) <> cardinality(_owners)
     or cardinality(_data) <> cardinality(_keys) then
    raise exception 'bad webhook emission of %', _type using errcode = '22023';
  end if;
  _wanted := billing_webhook_wanted(_type);
  with made as (
    insert into billing_webhook_events (id, event_type, owner_id, data, dedupe_key, fanned_out_at)
    select billing_webhook_uuid7(), _type, o, d, k, case when _wanted then null else now() end
    from unnest(_data, _owners, _keys) as x(d, o, k)
    where _wanted or k is not null
    on conflict (event_type, dedupe_key) do nothing
    returning id
  ) select coalesce(array_agg(id), '{}') into _ids from made;
  if _wanted and cardinality(_ids) > 0
     and current_setting('backbeat.webhook_fan_out', true) is distinct from txid_current()::text
  then
    perform backbeat_enqueue_job('backbeat:webhooks.fan_out', '{}'::jsonb, 'webhooks', null, null);
    perform set_config('backbeat.webhook_fan_out', txid_current()::text, true);
  end if;
  return _ids;
end
$$;
revoke all on function billing_webhook_emit(text, jsonb[], uuid[], text[]) from public;
grant execute on function billing_webhook_emit(text, jsonb[], uuid[], text[])
  to backbeat_user, backbeat_service;
"""

ROW_SECURITY = f"""
alter table billing_webhook_endpoints enable row level security;
grant select (id, owner_id, url, events, status, disabled_reason, disabled_at, created_by,
  created_at) on billing_webhook_endpoints to backbeat_user;
grant insert, delete on billing_webhook_endpoints to backbeat_user;
create policy billing_webhook_endpoints_read on billing_webhook_endpoints for select
  to backbeat_user using (owner_id = {OWN} or {IS_ADMIN});
create policy billing_webhook_endpoints_insert on billing_webhook_endpoints for insert
  to backbeat_user with check (status = 'enabled' and created_by = {OWN}
    and (owner_id = {OWN} or (owner_id is null and {IS_ADMIN})));
create policy billing_webhook_endpoints_delete on billing_webhook_endpoints for delete
  to backbeat_user using (owner_id = {OWN} or {IS_ADMIN});

alter table billing_webhook_events enable row level security;
grant select on billing_webhook_events to backbeat_user;
create policy billing_webhook_events_read on billing_webhook_events for select
  to backbeat_user using (owner_id = {OWN} or {IS_ADMIN});

alter table billing_webhook_deliveries enable row level security;
grant select on billing_webhook_deliveries to backbeat_user;
grant update (status, attempts, next_attempt_at) on billing_webhook_deliveries to backbeat_user;
create policy billing_webhook_deliveries_read on billing_webhook_deliveries for select
  to backbeat_user using (exists (select 1 from billing_webhook_endpoints e
                                  where e.id = endpoint_id));
create policy billing_webhook_deliveries_replay on billing_webhook_deliveries for update
  to backbeat_user using (exists (select 1 from billing_webhook_endpoints e
                                  where e.id = endpoint_id))
  with check (status = 'pending');
"""
"""Users read their own rows (admins all) and never the sealed secret column; events have no
insert grant at all (billing_webhook_emit writes them); a user's only update is a replay."""


def _now(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _user_fk(table: str, column: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        ["identity_users.id"],
        name=op.f(f"fk_{table}_{column}_identity_users"),
        ondelete=ondelete,
    )


def create_endpoints() -> None:
    op.create_table(
        "billing_webhook_endpoints",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("events", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("secret_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.Text(), server_default="enabled", nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        _now("created_at"),
        sa.CheckConstraint(
            "status in ('enabled', 'disabled')", name=op.f("ck_billing_webhook_endpoints_status")
        ),
        sa.CheckConstraint(
            "cardinality(events) between 1 and 50",
            name=op.f("ck_billing_webhook_endpoints_events"),
        ),
        _user_fk("billing_webhook_endpoints", "owner_id"),
        _user_fk("billing_webhook_endpoints", "created_by", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_webhook_endpoints")),
    )
    op.create_index(
        "ix_billing_webhook_endpoints_owner_id", "billing_webhook_endpoints", ["owner_id", "id"]
    )


def create_events() -> None:
    op.create_table(
        "billing_webhook_events",
        sa.Column(
            "id", sa.Uuid(), server_default=sa.text("billing_webhook_uuid7()"), nullable=False
        ),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("dedupe_key", sa.Text(), nullable=True),
        _now("created_at"),
        sa.Column("fanned_out_at", sa.DateTime(timezone=True), nullable=True),
        _user_fk("billing_webhook_events", "owner_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_webhook_events")),
        sa.UniqueConstraint(
            "event_type", "dedupe_key", name=op.f("uq_billing_webhook_events_event_type_dedupe_key")
        ),
    )
    op.create_index(
        "ix_billing_webhook_events_unsent",
        "billing_webhook_events",
        ["id"],
        postgresql_where=sa.text("fanned_out_at is null"),
    )
    op.create_index("ix_billing_webhook_events_owner_id", "billing_webhook_events", ["owner_id"])
    op.create_index(
        "ix_billing_webhook_events_created_at", "billing_webhook_events", ["created_at"]
    )


def create_deliveries() -> None:
    op.create_table(
        "billing_webhook_deliveries",
        sa.Column(
            "id", sa.Uuid(), server_default=sa.text("billing_webhook_uuid7()"), nullable=False
        ),
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        _now("created_at"),
        sa.CheckConstraint(
            "status in ('pending', 'delivered', 'failed')",
            name=op.f("ck_billing_webhook_deliveries_status"),
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_billing_webhook_deliveries_attempts")),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["billing_webhook_endpoints.id"],
            name=op.f("fk_billing_webhook_deliveries_endpoint_id_billing_webhook_endpoints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["billing_webhook_events.id"],
            name=op.f("fk_billing_webhook_deliveries_event_id_billing_webhook_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_webhook_deliveries")),
        sa.UniqueConstraint(
            "endpoint_id",
            "event_id",
            name=op.f("uq_billing_webhook_deliveries_endpoint_id_event_id"),
        ),
    )
    op.create_index(
        "ix_billing_webhook_deliveries_endpoint_newest",
        "billing_webhook_deliveries",
        ["endpoint_id", sa.text("id desc")],
    )
    op.create_index(
        "ix_billing_webhook_deliveries_event_id", "billing_webhook_deliveries", ["event_id"]
    )
    op.create_index(
        "ix_billing_webhook_deliveries_due",
        "billing_webhook_deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )


def upgrade() -> None:
    op.execute(UUID7)
    create_endpoints()
    create_events()
    create_deliveries()
    op.execute(EMIT)
    op.execute(ROW_SECURITY)


def downgrade() -> None:
    op.drop_table("billing_webhook_deliveries")
    op.drop_table("billing_webhook_events")
    op.drop_table("billing_webhook_endpoints")
    op.execute("drop function if exists billing_webhook_emit(text, jsonb[], uuid[], text[])")
    op.execute("drop function if exists billing_webhook_wanted(text)")
    op.execute("drop function if exists billing_webhook_uuid7()")
