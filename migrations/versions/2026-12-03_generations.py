"""Generations and bands: generation jobs with provenance, the per-day generation count, bands
of generated tracks with trigger-kept counts; `generated_from` lineage edges; bands followed
through the library's follows. RLS on every table.

`taste_take_generation(user, day, limit)` counts one generation for a user (a signed-in caller:
only themselves) on a UTC day, atomically
(one upsert that only increments below the limit), and returns the new count, or null when the
limit was already reached: two requests can never both take the last one.

Library's follows gain the kind `band`. Their target was a foreign key to identity_users; a band
is not a user, so the key becomes a trigger that checks the target of each kind exists, and the
cascades the key gave (a deleted user, a deleted band) become delete triggers.

Revision ID: 20261203_generations
Revises: 20261203_taste
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from datetime import datetime

import pgvector.sqlalchemy
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261203_generations"
down_revision: str | None = "20261203_taste"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWN = "(select auth.uid())"

LINEAGE = """
alter table catalog_lineage_edges drop constraint ck_catalog_lineage_edges_kind;
alter table catalog_lineage_edges add constraint ck_catalog_lineage_edges_kind
  check (kind in ('remix', 'sample', 'interpolation', 'stem_of', 'generated_from'));
alter table catalog_lineage_edges drop constraint ck_catalog_lineage_edges_share_ppm;
alter table catalog_lineage_edges add constraint ck_catalog_lineage_edges_share_ppm check (
  (kind = 'stem_of' and share_ppm is null)
  or (kind = 'generated_from' and share_ppm >= 0 and share_ppm <= 1000000)
  or (kind not in ('stem_of', 'generated_from') and share_ppm > 0 and share_ppm <= 1000000));
"""
"""A generated_from edge may carry 0 %: attribution without money (the default)."""

QUOTA = """
create function taste_take_generation(_user uuid, _day date, _limit integer) returns integer
language sql volatile security definer set search_path = public, pg_temp as $$
  insert into taste_generation_days as d (user_id, day, used)
    select _user, _day, 1 where _user = coalesce((select auth.uid()), _user)
    on conflict (user_id, day) do update set used = d.used + 1
      where _limit is null or d.used < _limit
    returning used
$$;
revoke all on function taste_take_generation(uuid, date, integer) from public;
grant execute on function taste_take_generation(uuid, date, integer) to backbeat_user;
"""
"""The first generation of a day inserts its row (a limit of 0 is checked by the caller); the
next ones increment it while under the limit, under the row's lock, so the count never passes
it."""

BAND_COUNTS = """
create function taste_count_band_tracks() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  if tg_op = 'INSERT' then
    update taste_bands set track_count = track_count + 1, updated_at = now()
      where id = new.band_id;
    return new;
  end if;
  update taste_bands set track_count = track_count - 1, updated_at = now()
    where id = old.band_id;
  return old;
end $$;
create trigger taste_band_tracks_count after insert or delete on taste_band_tracks
  for each row execute function taste_count_band_tracks();

create function taste_count_band_followers() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  if tg_op = 'INSERT' and new.kind = 'band' then
    update taste_bands set follower_count = follower_count + 1 where id = new.target_id;
  elsif tg_op = 'DELETE' and old.kind = 'band' then
    update taste_bands set follower_count = follower_count - 1 where id = old.target_id;
  end if;
  return null;
end $$;
create trigger library_follows_band_count after insert or delete on library_follows
  for each row execute function taste_count_band_followers();
revoke all on function taste_count_band_tracks() from public;
revoke all on function taste_count_band_followers() from public;
"""

FOLLOWS = """
alter table library_follows drop constraint fk_library_follows_target_id_identity_users;
alter table library_follow_counts
  drop constraint fk_library_follow_counts_target_id_identity_users;
alter table library_follows drop constraint ck_library_follows_kind;
alter table library_follows add constraint ck_library_follows_kind
  check (kind in ('user', 'creator', 'band'));

create function library_follow_target_exists() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  if (new.kind in ('user', 'creator')
      and not exists (select 1 from identity_users u where u.id = new.target_id))
     or (new.kind = 'band'
      and not exists (select 1 from taste_bands b where b.id = new.target_id)) then
    raise exception 'no % %', new.kind, new.target_id using errcode = '23503';
  end if;
  return new;
end $$;
create trigger library_follows_target_exists before insert or update on library_follows
  for each row execute function library_follow_target_exists();

create function library_forget_followed_user() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  delete from library_follows where kind in ('user', 'creator') and target_id = old.id;
  delete from library_follow_counts where kind in ('user', 'creator') and target_id = old.id;
  return old;
end $$;
create trigger identity_users_forget_follows after delete on identity_users
  for each row execute function library_forget_followed_user();

create function taste_forget_followed_band() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  delete from library_follows where kind = 'band' and target_id = old.id;
  delete from library_follow_counts where kind = 'band' and target_id = old.id;
  return old;
end $$;
create trigger taste_bands_forget_follows after delete on taste_bands
  for each row execute function taste_forget_followed_band();
revoke all on function library_follow_target_exists() from public;
revoke all on function library_forget_followed_user() from public;
revoke all on function taste_forget_followed_band() from public;
"""

SECURITY = f"""
alter table taste_generations enable row level security;
grant select on taste_generations to backbeat_user;
grant insert on taste_generations to backbeat_user;
create policy taste_generations_own on taste_generations for select to backbeat_user
  using (user_id = {OWN});
create policy taste_generations_insert_own on taste_generations for insert to backbeat_user
  with check (user_id = {OWN} and status = 'queued');

alter table taste_generation_days enable row level security;
grant select on taste_generation_days to backbeat_user;
create policy taste_generation_days_own on taste_generation_days for select to backbeat_user
  using (user_id = {OWN});

alter table taste_bands enable row level security;
grant select on taste_bands to backbeat_anon, backbeat_user;
grant insert, delete on taste_bands to backbeat_user;
grant update (name, bio, is_public, style_model_id, style_vector, style_count, updated_at)
  on taste_bands to backbeat_user;
create policy taste_bands_read on taste_bands for select to backbeat_anon, backbeat_user
  using (is_public or owner_id = {OWN});
create policy taste_bands_insert_own on taste_bands for insert to backbeat_user
  with check (owner_id = {OWN});
create policy taste_bands_update_own on taste_bands for update to backbeat_user
  using (owner_id = {OWN}) with check (owner_id = {OWN});
create policy taste_bands_delete_own on taste_bands for delete to backbeat_user
  using (owner_id = {OWN});

alter table taste_band_tracks enable row level security;
grant select on taste_band_tracks to backbeat_anon, backbeat_user;
grant insert, delete on taste_band_tracks to backbeat_user;
create policy taste_band_tracks_read on taste_band_tracks for select
  to backbeat_anon, backbeat_user
  using (exists (select 1 from taste_bands b where b.id = band_id)
         and exists (select 1 from catalog_tracks t where t.id = track_id));
create policy taste_band_tracks_insert_own on taste_band_tracks for insert to backbeat_user
  with check (
    exists (select 1 from taste_bands b where b.id = band_id and b.owner_id = {OWN})
    and exists (select 1 from taste_generations g
                where g.track_id = taste_band_tracks.track_id and g.user_id = {OWN}));
create policy taste_band_tracks_delete_own on taste_band_tracks for delete to backbeat_user
  using (exists (select 1 from taste_bands b where b.id = band_id and b.owner_id = {OWN}));
"""
"""Generations: the owner reads them and queues them; only the worker moves them on. The day
counts: read by their owner, written only through taste_take_generation. Bands: public ones
to anyone; a band's tracks are the owner's generated tracks, listed as far as the reader may see
each track. Counts are written by the triggers alone (no grant on those columns)."""


def _now(name: str) -> sa.Column[datetime]:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _tables() -> None:
    op.create_table(
        "taste_generations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="queued", nullable=False),
        sa.Column("source_track_id", sa.Uuid(), nullable=True),
        sa.Column("source_external_id", sa.Text(), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=True),
        sa.Column("prompt_sha256", sa.Text(), nullable=True),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("generator", sa.Text(), nullable=False),
        sa.Column("generator_version", sa.Text(), nullable=False),
        sa.Column(
            "parameters",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "influences",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column("track_id", sa.Uuid(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("match_percent", sa.SmallInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("quota_day", sa.Date(), nullable=False),
        _now("created_at"),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "mode in ('new', 'similar', 'extend', 'radio')", name=op.f("ck_taste_generations_mode")
        ),
        sa.CheckConstraint(
            "status in ('queued', 'generating', 'completed', 'failed')",
            name=op.f("ck_taste_generations_status"),
        ),
        sa.CheckConstraint(
            "duration_seconds > 0 and duration_seconds <= 600",
            name=op.f("ck_taste_generations_duration"),
        ),
        sa.CheckConstraint(
            "num_nonnulls(source_track_id, source_external_id) <= 1",
            name=op.f("ck_taste_generations_one_source"),
        ),
        sa.CheckConstraint(
            "match_percent is null or match_percent between 0 and 100",
            name=op.f("ck_taste_generations_match"),
        ),
        sa.CheckConstraint(
            "(status = 'completed') = (track_id is not null)",
            name=op.f("ck_taste_generations_track_when_completed"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            ondelete="CASCADE",
            name=op.f("fk_taste_generations_user_id_identity_users"),
        ),
        sa.ForeignKeyConstraint(
            ["source_track_id"],
            ["catalog_tracks.id"],
            name=op.f("fk_taste_generations_source_track_id_catalog_tracks"),
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["catalog_tracks.id"],
            name=op.f("fk_taste_generations_track_id_catalog_tracks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taste_generations")),
    )
    op.create_index(
        "ix_taste_generations_user_newest", "taste_generations", ["user_id", sa.text("id desc")]
    )
    op.create_table(
        "taste_generation_days",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("used", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("used >= 0", name=op.f("ck_taste_generation_days_used")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            ondelete="CASCADE",
            name=op.f("fk_taste_generation_days_user_id_identity_users"),
        ),
        sa.PrimaryKeyConstraint("user_id", "day", name=op.f("pk_taste_generation_days")),
    )
    op.create_table(
        "taste_bands",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("is_public", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("style_model_id", sa.Uuid(), nullable=True),
        sa.Column("style_vector", pgvector.sqlalchemy.Vector(), nullable=True),
        sa.Column("style_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("track_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("follower_count", sa.Integer(), server_default="0", nullable=False),
        _now("created_at"),
        _now("updated_at"),
        sa.CheckConstraint(
            "track_count >= 0 and follower_count >= 0", name=op.f("ck_taste_bands_counts")
        ),
        sa.CheckConstraint("style_count >= 0", name=op.f("ck_taste_bands_style_count")),
        sa.CheckConstraint(
            "(style_count = 0) = (style_vector is null)",
            name=op.f("ck_taste_bands_style_vector_when_counted"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["identity_users.id"],
            ondelete="CASCADE",
            name=op.f("fk_taste_bands_owner_id_identity_users"),
        ),
        sa.ForeignKeyConstraint(
            ["style_model_id"],
            ["taste_embedding_models.id"],
            ondelete="SET NULL",
            name=op.f("fk_taste_bands_style_model_id_taste_embedding_models"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taste_bands")),
    )
    op.create_index("ix_taste_bands_owner_id", "taste_bands", ["owner_id"])
    op.create_index(
        "ix_taste_bands_public_style",
        "taste_bands",
        ["style_model_id"],
        postgresql_where=sa.text("is_public and style_vector is not null"),
    )
    op.create_table(
        "taste_band_tracks",
        sa.Column("band_id", sa.Uuid(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("embedding", pgvector.sqlalchemy.Vector(), nullable=True),
        _now("added_at"),
        sa.ForeignKeyConstraint(
            ["band_id"],
            ["taste_bands.id"],
            ondelete="CASCADE",
            name=op.f("fk_taste_band_tracks_band_id_taste_bands"),
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["catalog_tracks.id"],
            ondelete="CASCADE",
            name=op.f("fk_taste_band_tracks_track_id_catalog_tracks"),
        ),
        sa.PrimaryKeyConstraint("band_id", "track_id", name=op.f("pk_taste_band_tracks")),
    )
    op.create_index("ix_taste_band_tracks_track_id", "taste_band_tracks", ["track_id"])


def upgrade() -> None:
    _tables()
    for statement in (LINEAGE, QUOTA, BAND_COUNTS, FOLLOWS, SECURITY):
        op.execute(statement)


def downgrade() -> None:
    op.execute("delete from library_follows where kind = 'band'")
    op.execute("delete from library_follow_counts where kind = 'band'")
    op.execute("delete from catalog_lineage_edges where kind = 'generated_from'")
    for trigger, table in (
        ("library_follows_band_count", "library_follows"),
        ("library_follows_target_exists", "library_follows"),
        ("identity_users_forget_follows", "identity_users"),
    ):
        op.execute(f"drop trigger if exists {trigger} on {table}")
    for table in ("taste_band_tracks", "taste_bands", "taste_generation_days", "taste_generations"):
        op.drop_table(table)
    for function in (
        "taste_take_generation(uuid, date, integer)",
        "taste_count_band_tracks()",
        "taste_count_band_followers()",
        "library_follow_target_exists()",
        "library_forget_followed_user()",
        "taste_forget_followed_band()",
    ):
        op.execute(f"drop function if exists {function}")
    op.execute("""
alter table library_follows drop constraint ck_library_follows_kind;
alter table library_follows add constraint ck_library_follows_kind
  check (kind in ('user', 'creator'));
alter table library_follows add constraint fk_library_follows_target_id_identity_users
  foreign key (target_id) references identity_users (id) on delete cascade;
alter table library_follow_counts add constraint fk_library_follow_counts_target_id_identity_users
  foreign key (target_id) references identity_users (id) on delete cascade;
alter table catalog_lineage_edges drop constraint ck_catalog_lineage_edges_kind;
alter table catalog_lineage_edges add constraint ck_catalog_lineage_edges_kind
  check (kind in ('remix', 'sample', 'interpolation', 'stem_of'));
alter table catalog_lineage_edges drop constraint ck_catalog_lineage_edges_share_ppm;
alter table catalog_lineage_edges add constraint ck_catalog_lineage_edges_share_ppm check (
  (kind = 'stem_of' and share_ppm is null)
  or (kind <> 'stem_of' and share_ppm > 0 and share_ppm <= 1000000));
""")
