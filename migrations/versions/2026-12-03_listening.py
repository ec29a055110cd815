"""Listening: listens partitioned by month, playing now, RLS, the partition function.

`listening_ensure_partitions(from, to)` makes the monthly partitions
(`listening_listens_pYYYYMM`) a range of listens needs; ingest calls it before each batch and a
daily job calls it for the months ahead, so a listen never lacks its partition. It runs as the
owner (SECURITY DEFINER) and checks the catalog before taking any lock, so when the partitions
exist it costs one catalog lookup per month.

Revision ID: 20261203_listening
Revises: 20261203_lean_reads
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261203_listening"
down_revision: str | None = "20261203_lean_reads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWN = "(select auth.uid())"

PARTITIONS = """
create function listening_ensure_partitions(_from timestamptz, _to timestamptz) returns integer
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  _month date := date_trunc('month', _from at time zone 'UTC')::date;
  _last date := date_trunc('month', _to at time zone 'UTC')::date;
  _name text;
  _made integer := 0;
begin
  if _from is null or _to is null or _to < _from or _last - _month > 400 * 31 then
    raise exception 'bad partition range % .. %', _from, _to using errcode = '22023';
  end if;
  while _month <= _last loop
    _name := 'listening_listens_p' || to_char(_month, 'YYYYMM');
    if to_regclass(_name) is null then
      perform pg_advisory_xact_lock(hashtext('listening_listens_partitions'));
      if to_regclass(_name) is null then
        execute format(
          'create table %I partition of listening_listens for values from (%L) to (%L)',
          _name, (_month::timestamp at time zone 'UTC'),
          ((_month + interval '1 month')::timestamp at time zone 'UTC'));
        _made := _made + 1;
      end if;
    end if;
    _month := (_month + interval '1 month')::date;
  end loop;
  return _made;
end $$;
revoke all on function listening_ensure_partitions(timestamptz, timestamptz) from public;
grant execute on function listening_ensure_partitions(timestamptz, timestamptz)
  to backbeat_user, backbeat_service;
"""

ROW_SECURITY = f"""
alter table listening_listens enable row level security;
grant select, insert, delete on listening_listens to backbeat_user;
create policy listening_listens_own on listening_listens for all to backbeat_user
  using (user_id = {OWN}) with check (user_id = {OWN});

alter table listening_playing_now enable row level security;
grant select, insert, update, delete on listening_playing_now to backbeat_user;
create policy listening_playing_now_own on listening_playing_now for all to backbeat_user
  using (user_id = {OWN}) with check (user_id = {OWN});
"""


def upgrade() -> None:
    op.create_table(
        "listening_listens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("listened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("artist_name", sa.Text(), nullable=False),
        sa.Column("track_name", sa.Text(), nullable=False),
        sa.Column("release_name", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("ms_played", sa.Integer(), nullable=True),
        sa.Column("skipped", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("recording_msid", sa.Uuid(), nullable=False),
        sa.Column("recording_mbid", sa.Uuid(), nullable=True),
        sa.Column("isrc", sa.Text(), nullable=True),
        sa.Column("spotify_id", sa.Text(), nullable=True),
        sa.Column("track_id", sa.Uuid(), nullable=True),
        sa.Column("client", sa.Text(), nullable=True),
        sa.Column("platform", sa.Text(), server_default="backbeat", nullable=False),
        sa.Column(
            "additional_info",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "inserted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "platform in ('backbeat', 'listenbrainz', 'spotify', 'apple', 'youtube')",
            name=op.f("ck_listening_listens_platform"),
        ),
        sa.CheckConstraint(
            "ms_played is null or ms_played >= 0", name=op.f("ck_listening_listens_ms_played")
        ),
        sa.CheckConstraint(
            "duration_ms is null or duration_ms > 0", name=op.f("ck_listening_listens_duration_ms")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_listening_listens_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", "listened_at", name=op.f("pk_listening_listens")),
        sa.UniqueConstraint(
            "user_id", "listened_at", "recording_msid", name="uq_listening_listens_same"
        ),
        postgresql_partition_by="RANGE (listened_at)",
    )
    op.create_index(
        "ix_listening_listens_user_newest",
        "listening_listens",
        ["user_id", sa.text("listened_at desc"), "id"],
    )
    op.create_index(
        "ix_listening_listens_track",
        "listening_listens",
        ["track_id", "listened_at"],
        postgresql_where=sa.text("track_id is not null"),
    )
    op.create_table(
        "listening_playing_now",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("track_metadata", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_listening_playing_now_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_listening_playing_now")),
    )
    op.execute(PARTITIONS)
    op.execute(
        "select listening_ensure_partitions(now() - interval '1 month', now() + interval '3 months')"
    )
    op.execute(ROW_SECURITY)


def downgrade() -> None:
    op.drop_table("listening_playing_now")
    op.drop_table("listening_listens")
    op.execute("drop function if exists listening_ensure_partitions(timestamptz, timestamptz)")
