"""Listening and library: listens partitioned by month, playing now, likes, dislikes, follows
with trigger-kept counts, playlists with fractional positions; RLS on every table.

`listening_ensure_partitions(from, to)` makes the monthly partitions
(`listening_listens_pYYYYMM`) a range of listens needs; ingest calls it before each batch and a
daily job calls it for the months ahead, so a listen never lacks its partition. It runs as the
owner (SECURITY DEFINER) and checks the catalog before taking any lock, so when the partitions
exist it costs one catalog lookup per month.

Revision ID: 20261203_listening
Revises: 20261203_studio
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261203_listening"
down_revision: str | None = "20261203_studio"
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

alter table listening_imports enable row level security;
grant select, insert on listening_imports to backbeat_user;
create policy listening_imports_own on listening_imports for all to backbeat_user
  using (user_id = {OWN}) with check (user_id = {OWN});

alter table listening_import_files enable row level security;
grant insert on listening_import_files to backbeat_user;
create policy listening_import_files_own on listening_import_files for insert to backbeat_user
  with check (exists (select 1 from listening_imports i
                      where i.id = import_id and i.user_id = {OWN}));

alter table listening_import_refusals enable row level security;
grant select on listening_import_refusals to backbeat_user;
create policy listening_import_refusals_own on listening_import_refusals for select
  to backbeat_user using (exists (select 1 from listening_imports i
                                  where i.id = import_id and i.user_id = {OWN}));

alter table listening_track_plays_daily enable row level security;
grant select on listening_track_plays_daily to backbeat_anon, backbeat_user;
create policy listening_track_plays_daily_visible on listening_track_plays_daily for select
  to backbeat_anon, backbeat_user
  using (exists (select 1 from catalog_tracks t where t.id = track_id));

alter table listening_track_listeners_daily enable row level security;
alter table listening_plays_cursor enable row level security;

create function listening_my_listeners(_since date) returns bigint
language sql stable security definer set search_path = public, pg_temp as $$
  select count(distinct l.user_id) from listening_track_listeners_daily l
  join catalog_tracks t on t.id = l.track_id
  where t.created_by = (select auth.uid()) and l.day > _since
$$;
revoke all on function listening_my_listeners(date) from public;
grant execute on function listening_my_listeners(date) to backbeat_user, backbeat_service;

alter table listening_playing_now enable row level security;
grant select, insert, update, delete on listening_playing_now to backbeat_user;
create policy listening_playing_now_own on listening_playing_now for all to backbeat_user
  using (user_id = {OWN}) with check (user_id = {OWN});
"""

LIBRARY_FUNCTIONS = """
create function library_count_follows() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  if tg_op = 'INSERT' then
    insert into library_follow_counts as c (kind, target_id, followers)
      values (new.kind, new.target_id, 1)
      on conflict (kind, target_id) do update set followers = c.followers + 1;
    return new;
  end if;
  update library_follow_counts set followers = followers - 1
    where kind = old.kind and target_id = old.target_id;
  return old;
end $$;
create trigger library_follows_count after insert or delete on library_follows
  for each row execute function library_count_follows();

create function library_playlist_role(_playlist uuid) returns text
language sql stable security definer set search_path = public, pg_temp as $$
  select case when p.owner_id = (select auth.uid()) then 'owner'
    when exists (select 1 from library_playlist_members m
                 where m.playlist_id = p.id and m.user_id = (select auth.uid())) then 'member'
    end
  from library_playlists p where p.id = _playlist
$$;
create function library_can_edit_playlist(_playlist uuid) returns boolean
language sql stable security definer set search_path = public, pg_temp as $$
  select coalesce(library_playlist_role(_playlist) = 'owner'
    or (library_playlist_role(_playlist) = 'member'
        and (select p.collaborative from library_playlists p where p.id = _playlist)), false)
$$;
revoke all on function library_count_follows() from public;
revoke all on function library_playlist_role(uuid) from public;
revoke all on function library_can_edit_playlist(uuid) from public;
grant execute on function library_playlist_role(uuid)
  to backbeat_anon, backbeat_user, backbeat_service;
grant execute on function library_can_edit_playlist(uuid)
  to backbeat_anon, backbeat_user, backbeat_service;
"""
"""Playlist rights in definer functions, so the playlist and member policies need not read
each other through RLS (which would recurse)."""

LIBRARY_SECURITY = f"""
alter table library_likes enable row level security;
grant select, insert, delete on library_likes to backbeat_user;
create policy library_likes_own on library_likes for all to backbeat_user
  using (user_id = {OWN}) with check (user_id = {OWN});

alter table library_dislikes enable row level security;
grant select, insert, delete on library_dislikes to backbeat_user;
create policy library_dislikes_own on library_dislikes for all to backbeat_user
  using (user_id = {OWN}) with check (user_id = {OWN});

alter table library_follows enable row level security;
grant select on library_follows to backbeat_anon, backbeat_user;
grant insert, delete on library_follows to backbeat_user;
create policy library_follows_read on library_follows for select to backbeat_anon, backbeat_user
  using (true);
create policy library_follows_insert_own on library_follows for insert to backbeat_user
  with check (follower_id = {OWN});
create policy library_follows_delete_own on library_follows for delete to backbeat_user
  using (follower_id = {OWN});

alter table library_follow_counts enable row level security;
grant select on library_follow_counts to backbeat_anon, backbeat_user;
create policy library_follow_counts_read on library_follow_counts for select
  to backbeat_anon, backbeat_user using (true);

alter table library_playlists enable row level security;
grant select on library_playlists to backbeat_anon, backbeat_user;
grant insert, update, delete on library_playlists to backbeat_user;
create policy library_playlists_read on library_playlists for select
  to backbeat_anon, backbeat_user
  using (is_public or owner_id = {OWN} or library_playlist_role(id) = 'member');
create policy library_playlists_insert_own on library_playlists for insert to backbeat_user
  with check (owner_id = {OWN});
create policy library_playlists_update_own on library_playlists for update to backbeat_user
  using (owner_id = {OWN}) with check (owner_id = {OWN});
create policy library_playlists_delete_own on library_playlists for delete to backbeat_user
  using (owner_id = {OWN});

alter table library_playlist_items enable row level security;
grant select on library_playlist_items to backbeat_anon, backbeat_user;
grant insert, update (position), delete on library_playlist_items to backbeat_user;
create policy library_playlist_items_read on library_playlist_items for select
  to backbeat_anon, backbeat_user
  using (exists (select 1 from library_playlists p where p.id = playlist_id));
create policy library_playlist_items_insert on library_playlist_items for insert
  to backbeat_user with check (library_can_edit_playlist(playlist_id) and added_by = {OWN});
create policy library_playlist_items_update on library_playlist_items for update
  to backbeat_user using (library_can_edit_playlist(playlist_id))
  with check (library_can_edit_playlist(playlist_id));
create policy library_playlist_items_delete on library_playlist_items for delete
  to backbeat_user using (library_can_edit_playlist(playlist_id));

alter table library_playlist_members enable row level security;
grant select on library_playlist_members to backbeat_user;
grant insert, delete on library_playlist_members to backbeat_user;
create policy library_playlist_members_read on library_playlist_members for select
  to backbeat_user using (library_playlist_role(playlist_id) is not null);
create policy library_playlist_members_owner on library_playlist_members for insert
  to backbeat_user with check (library_playlist_role(playlist_id) = 'owner');
create policy library_playlist_members_remove on library_playlist_members for delete
  to backbeat_user using (library_playlist_role(playlist_id) = 'owner' or user_id = {OWN});
"""


def _user_fk(table: str, column: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        ["identity_users.id"],
        name=op.f(f"fk_{table}_{column}_identity_users"),
        ondelete=ondelete,
    )


def _track_fk(table: str, ondelete: str | None = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["track_id"],
        ["catalog_tracks.id"],
        name=op.f(f"fk_{table}_track_id_catalog_tracks"),
        ondelete=ondelete,
    )


def _now(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def create_library() -> None:
    op.create_table(
        "library_likes",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        _now("liked_at"),
        _user_fk("library_likes", "user_id"),
        _track_fk("library_likes"),
        sa.PrimaryKeyConstraint("user_id", "track_id", name=op.f("pk_library_likes")),
    )
    op.create_index(
        "ix_library_likes_user_newest",
        "library_likes",
        ["user_id", sa.text("liked_at desc"), "track_id"],
    )
    op.create_index("ix_library_likes_track_id", "library_likes", ["track_id"])
    op.create_table(
        "library_dislikes",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        _now("disliked_at"),
        _user_fk("library_dislikes", "user_id"),
        _track_fk("library_dislikes"),
        sa.PrimaryKeyConstraint("user_id", "track_id", name=op.f("pk_library_dislikes")),
    )
    op.create_index("ix_library_dislikes_track_id", "library_dislikes", ["track_id"])
    op.create_table(
        "library_follows",
        sa.Column("follower_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        _now("followed_at"),
        sa.CheckConstraint("kind in ('user', 'creator')", name=op.f("ck_library_follows_kind")),
        sa.CheckConstraint("follower_id <> target_id", name=op.f("ck_library_follows_not_self")),
        _user_fk("library_follows", "follower_id"),
        _user_fk("library_follows", "target_id"),
        sa.PrimaryKeyConstraint(
            "follower_id", "kind", "target_id", name=op.f("pk_library_follows")
        ),
    )
    op.create_index(
        "ix_library_follows_target",
        "library_follows",
        ["kind", "target_id", sa.text("followed_at desc")],
    )
    op.create_index(
        "ix_library_follows_follower_newest",
        "library_follows",
        ["follower_id", sa.text("followed_at desc")],
    )
    op.create_table(
        "library_follow_counts",
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("followers", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("followers >= 0", name=op.f("ck_library_follow_counts_followers")),
        _user_fk("library_follow_counts", "target_id"),
        sa.PrimaryKeyConstraint("kind", "target_id", name=op.f("pk_library_follow_counts")),
    )
    create_playlists()
    op.execute(LIBRARY_FUNCTIONS)
    op.execute(LIBRARY_SECURITY)


def create_playlists() -> None:
    op.create_table(
        "library_playlists",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("is_public", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("collaborative", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("cover_object_id", sa.Uuid(), nullable=True),
        _now("created_at"),
        _now("updated_at"),
        _user_fk("library_playlists", "owner_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_playlists")),
    )
    op.create_index(
        "ix_library_playlists_owner_newest",
        "library_playlists",
        ["owner_id", sa.text("created_at desc"), "id"],
    )
    op.create_table(
        "library_playlist_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("playlist_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Text(collation="C"), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("added_by", sa.Uuid(), nullable=True),
        _now("added_at"),
        sa.CheckConstraint(
            "position ~ '^[0-9A-Za-z]+$'", name=op.f("ck_library_playlist_items_position")
        ),
        sa.ForeignKeyConstraint(
            ["playlist_id"],
            ["library_playlists.id"],
            name=op.f("fk_library_playlist_items_playlist_id_library_playlists"),
            ondelete="CASCADE",
        ),
        _track_fk("library_playlist_items", None),
        _user_fk("library_playlist_items", "added_by", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_playlist_items")),
        sa.UniqueConstraint(
            "playlist_id",
            "position",
            name="uq_library_playlist_items_position",
            deferrable=True,
            initially="IMMEDIATE",
        ),
    )
    op.create_table(
        "library_playlist_members",
        sa.Column("playlist_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        _now("added_at"),
        sa.ForeignKeyConstraint(
            ["playlist_id"],
            ["library_playlists.id"],
            name=op.f("fk_library_playlist_members_playlist_id_library_playlists"),
            ondelete="CASCADE",
        ),
        _user_fk("library_playlist_members", "user_id"),
        sa.PrimaryKeyConstraint("playlist_id", "user_id", name=op.f("pk_library_playlist_members")),
    )
    op.create_index("ix_library_playlist_members_user_id", "library_playlist_members", ["user_id"])


def create_imports() -> None:
    op.create_table(
        "listening_imports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("format", sa.Text(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="queued", nullable=False),
        sa.Column("rows_read", sa.Integer(), server_default="0", nullable=False),
        sa.Column("imported", sa.Integer(), server_default="0", nullable=False),
        sa.Column("duplicates", sa.Integer(), server_default="0", nullable=False),
        sa.Column("refused", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "skipped", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("error", sa.Text(), nullable=True),
        _now("created_at"),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "format in ('listenbrainz', 'spotify')", name=op.f("ck_listening_imports_format")
        ),
        sa.CheckConstraint(
            "status in ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_listening_imports_status"),
        ),
        _user_fk("listening_imports", "user_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listening_imports")),
    )
    op.create_index(
        "ix_listening_imports_user_newest",
        "listening_imports",
        ["user_id", sa.text("created_at desc"), "id"],
    )
    op.create_table(
        "listening_import_refusals",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["listening_imports.id"],
            name=op.f("fk_listening_import_refusals_import_id_listening_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("import_id", "seq", name=op.f("pk_listening_import_refusals")),
    )
    op.create_table(
        "listening_import_files",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["listening_imports.id"],
            name=op.f("fk_listening_import_files_import_id_listening_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("import_id", name=op.f("pk_listening_import_files")),
    )


def create_plays() -> None:
    op.create_table(
        "listening_track_plays_daily",
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("plays", sa.Integer(), server_default="0", nullable=False),
        sa.Column("listeners", sa.Integer(), server_default="0", nullable=False),
        _track_fk("listening_track_plays_daily"),
        sa.PrimaryKeyConstraint("track_id", "day", name=op.f("pk_listening_track_plays_daily")),
    )
    op.create_index(
        "ix_listening_track_plays_daily_day", "listening_track_plays_daily", ["day", "track_id"]
    )
    op.create_table(
        "listening_track_listeners_daily",
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        _track_fk("listening_track_listeners_daily"),
        _user_fk("listening_track_listeners_daily", "user_id"),
        sa.PrimaryKeyConstraint(
            "track_id", "day", "user_id", name=op.f("pk_listening_track_listeners_daily")
        ),
    )
    op.create_table(
        "listening_plays_cursor",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("last_id", sa.Uuid(), nullable=False),
        _now("updated_at"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_listening_plays_cursor")),
    )


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
    create_imports()
    create_plays()
    op.execute(PARTITIONS)
    op.execute(
        "select listening_ensure_partitions(now() - interval '1 month', now() + interval '3 months')"
    )
    op.execute(ROW_SECURITY)
    create_library()


def downgrade() -> None:
    op.execute("drop function if exists listening_my_listeners(date)")
    for table in (
        "listening_plays_cursor",
        "listening_track_listeners_daily",
        "listening_track_plays_daily",
        "listening_import_files",
        "listening_import_refusals",
        "listening_imports",
        "library_playlist_members",
        "library_playlist_items",
        "library_playlists",
        "library_follow_counts",
        "library_follows",
        "library_dislikes",
        "library_likes",
    ):
        op.drop_table(table)
    for function in (
        "library_count_follows()",
        "library_can_edit_playlist(uuid)",
        "library_playlist_role(uuid)",
    ):
        op.execute(f"drop function if exists {function}")
    op.drop_table("listening_playing_now")
    op.drop_table("listening_listens")
    op.execute("drop function if exists listening_ensure_partitions(timestamptz, timestamptz)")
