"""Foundation: pgvector, row-level security roles, auth.* claim functions, jobs, realtime.

Revision ID: 20261122_foundation
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager

revision: str = "20261122_foundation"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = """
do $$
begin
  if not exists (select from pg_roles where rolname = 'backbeat_anon') then
    create role backbeat_anon nologin;
  end if;
  if not exists (select from pg_roles where rolname = 'backbeat_user') then
    create role backbeat_user nologin;
  end if;
  if not exists (select from pg_roles where rolname = 'backbeat_service') then
    create role backbeat_service nologin bypassrls;
  end if;
  if not exists (select from pg_roles where rolname = 'backbeat_api') then
    create role backbeat_api login noinherit;
  end if;
end
$$;
grant backbeat_anon, backbeat_user, backbeat_service to backbeat_api;
"""

AUTH_FUNCTIONS = """
create schema if not exists auth;
create or replace function auth.jwt() returns jsonb language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb
$$;
create or replace function auth.uid() returns uuid language sql stable as $$
  select nullif(auth.jwt() ->> 'sub', '')::uuid
$$;
create or replace function auth.role() returns text language sql stable as $$
  select auth.jwt() ->> 'role'
$$;
grant usage on schema auth to backbeat_anon, backbeat_user, backbeat_service;
grant execute on all functions in schema auth to backbeat_anon, backbeat_user, backbeat_service;
grant usage on schema public to backbeat_anon, backbeat_user, backbeat_service;
alter default privileges in schema public
  grant select, insert, update, delete on tables to backbeat_service;
alter default privileges in schema public grant usage, select on sequences to backbeat_service;
"""

ENQUEUE_FUNCTION = """
create function backbeat_enqueue_job(
  _task text, _args jsonb, _queue text, _queueing_lock text, _scheduled_at timestamptz
) returns bigint language plpgsql security definer set search_path = public as $$
declare
  _ids bigint[];
begin
  _ids := procrastinate_defer_jobs_v1(array[
    row(_queue, _task, 0, null, _queueing_lock, _args, _scheduled_at)::procrastinate_job_to_defer_v1
  ]);
  return _ids[1];
exception when unique_violation then
  return null;  -- a job with this idempotency key is already waiting: that one will run
end
$$;
revoke all on function backbeat_enqueue_job(text, jsonb, text, text, timestamptz) from public;
grant execute on function backbeat_enqueue_job(text, jsonb, text, text, timestamptz)
  to backbeat_user, backbeat_anon, backbeat_service;
"""

PUBLISH_FUNCTIONS = """
create function backbeat_publish(_channel text, _body text) returns void
language plpgsql security definer set search_path = public as $$
declare
  _id uuid;
begin
  if octet_length(_body) <= 7900 then
    perform pg_notify(_channel, _body);
  else
    insert into realtime_payloads (channel, body) values (_channel, _body) returning id into _id;
    perform pg_notify(_channel, 'ref:' || _id::text);
  end if;
end
$$;
create function backbeat_published_payload(_id uuid) returns text
language sql stable security definer set search_path = public as $$
  select body from realtime_payloads where id = _id
$$;
revoke all on function backbeat_publish(text, text) from public;
revoke all on function backbeat_published_payload(uuid) from public;
grant execute on function backbeat_publish(text, text) to backbeat_user, backbeat_service;
grant execute on function backbeat_published_payload(uuid) to backbeat_user, backbeat_service;
"""


def upgrade() -> None:
    op.execute("create extension if not exists vector")
    op.execute(ROLES)
    op.execute(AUTH_FUNCTIONS)
    op.execute(SchemaManager.get_schema())
    op.execute(ENQUEUE_FUNCTION)
    op.create_table(
        "realtime_payloads",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_realtime_payloads")),
    )
    op.create_index(
        op.f("ix_realtime_payloads_created_at"), "realtime_payloads", ["created_at"], unique=False
    )
    op.execute(PUBLISH_FUNCTIONS)
    op.execute("grant select on alembic_version to backbeat_api")


def downgrade() -> None:
    op.execute("drop function if exists backbeat_published_payload(uuid)")
    op.execute("drop function if exists backbeat_publish(text, text)")
    op.drop_table("realtime_payloads")
    op.execute("drop function if exists backbeat_enqueue_job(text, jsonb, text, text, timestamptz)")
    op.execute("drop schema if exists auth cascade")
