"""Catalog: tracks, payees, versioned split sheets, lineage, presets, history, RLS, seed view.

Revision ID: 20261122_catalog
Revises: 20261122_identity
Create Date: 2026-11-22 19:56:37.026553+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261122_catalog"
down_revision: str | None = "20261122_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


OWN = "(select auth.uid())"

TAGS_FUNCTION = """
create function catalog_tags_text(tags text[]) returns text
language sql immutable parallel safe as $$ select coalesce(array_to_string(tags, ' '), '') $$;
"""
"""array_to_string is only stable; tags are text, so this wrapper is safe to call immutable."""

TRIGGERS = """
create function catalog_check_split_sum() returns trigger
language plpgsql security definer set search_path = public as $$
declare
  _version uuid;
  _total bigint;
begin
  if tg_table_name = 'catalog_split_versions' then
    _version := new.id;
  else
    _version := new.version_id;
  end if;
  select coalesce(sum(share_ppm), 0) into _total
    from catalog_split_entries where version_id = _version;
  if _total <> 1000000 then
    raise exception 'split version % sums to % ppm, not 1000000', _version, _total
      using errcode = '23514', constraint = 'catalog_split_sum';
  end if;
  return null;
end
$$;
create constraint trigger catalog_split_entries_sum after insert on catalog_split_entries
  deferrable initially deferred for each row execute function catalog_check_split_sum();
create constraint trigger catalog_split_versions_sum after insert on catalog_split_versions
  deferrable initially deferred for each row execute function catalog_check_split_sum();

create function catalog_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception '% rows are immutable', tg_table_name using errcode = '55000';
end
$$;
create trigger catalog_split_entries_immutable before update or delete on catalog_split_entries
  for each row execute function catalog_refuse_change();
create trigger catalog_track_history_append_only before update or delete
  on catalog_track_history for each row execute function catalog_refuse_change();

create function catalog_split_version_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' or old.status <> 'pending' or new.track_id <> old.track_id
     or new.sheet <> old.sheet or new.version <> old.version then
    raise exception 'split version % is immutable', old.id using errcode = '55000';
  end if;
  return new;
end
$$;
create trigger catalog_split_versions_immutable before update or delete on catalog_split_versions
  for each row execute function catalog_split_version_guard();

create function catalog_try_activate(_version uuid) returns text
language plpgsql security definer set search_path = public as $$
declare
  _status text;
begin
  select status into _status from catalog_split_versions where id = _version for update;
  if _status is distinct from 'pending' then
    return _status;
  end if;
  if exists (
    select 1 from catalog_split_entries e
      join catalog_payees p on p.id = e.payee_id
      left join identity_wallets w on w.caip10 = p.wallet
    where e.version_id = _version and coalesce(p.user_id, w.user_id) is not null
      and not exists (select 1 from catalog_split_approvals a
                      where a.version_id = _version and a.user_id = coalesce(p.user_id, w.user_id))
  ) then
    return 'pending';
  end if;
  update catalog_split_versions set status = 'active', effective_from = greatest(effective_from, now())
    where id = _version;
  return 'active';
end
$$;
revoke all on function catalog_try_activate(uuid) from public;
grant execute on function catalog_try_activate(uuid) to backbeat_user, backbeat_service;

create function catalog_activate_when_approved() returns trigger
language plpgsql security definer set search_path = public as $$
begin
  perform catalog_try_activate(new.version_id);
  return null;
end
$$;
create trigger catalog_split_approvals_activate after insert on catalog_split_approvals
  for each row execute function catalog_activate_when_approved();

create function catalog_payee_id(_user uuid, _wallet text) returns uuid
language plpgsql security definer set search_path = public as $$
declare
  _id uuid;
begin
  if num_nonnulls(_user, _wallet) <> 1 then
    raise exception 'a payee is a user or a wallet' using errcode = '22023';
  end if;
  if _user is not null then
    insert into catalog_payees (id, user_id) values (gen_random_uuid(), _user)
      on conflict (user_id) do nothing;
    select id into _id from catalog_payees where user_id = _user;
  else
    insert into catalog_payees (id, wallet) values (gen_random_uuid(), _wallet)
      on conflict (wallet) do nothing;
    select id into _id from catalog_payees where wallet = _wallet;
  end if;
  return _id;
end
$$;
revoke all on function catalog_payee_id(uuid, text) from public;

create function catalog_lineage_check(_child uuid, _parent uuid,
  out cycle uuid[], out parent_share_ppm bigint)
language plpgsql security definer set search_path = public as $$
begin
  -- One writer of edges at a time, so two concurrent inserts cannot close a loop between them.
  perform pg_advisory_xact_lock(hashtext('catalog_lineage_edges'));
  with recursive up(id, path) as (
    select _parent, array[_child, _parent]
    union all
    select e.parent_id, up.path || e.parent_id
    from up join catalog_lineage_edges e on e.child_id = up.id
    where up.id <> _child and e.parent_id <> all(up.path[2:])
  )
  select path into cycle from up where id = _child limit 1;
  select coalesce(sum(share_ppm), 0) into parent_share_ppm
    from catalog_lineage_edges where child_id = _child;
end
$$;
revoke all on function catalog_lineage_check(uuid, uuid) from public;
grant execute on function catalog_lineage_check(uuid, uuid) to backbeat_user, backbeat_service;
grant execute on function catalog_payee_id(uuid, text) to backbeat_user, backbeat_service;
"""

TRACK_VISIBLE = "exists (select 1 from catalog_tracks t where t.id = track_id)"
TRACK_OWNED = (
    f"exists (select 1 from catalog_tracks t where t.id = track_id and t.created_by = {OWN})"
)
TRACK_COLUMNS = """title, artist, description, tags, sample_type, loop_category, bpm, key,
  duration_seconds, isrc, iswc, license_derivatives, license_commercial, license_attribution,
  social_urls, visibility, stem_type, cover_object_id, audio_object_id, updated_at, deleted_at"""

ROW_SECURITY = f"""
alter table catalog_tracks enable row level security;
grant select on catalog_tracks to backbeat_anon, backbeat_user;
grant insert ({TRACK_COLUMNS}, id, created_by, import_key) on catalog_tracks to backbeat_user;
grant update ({TRACK_COLUMNS}) on catalog_tracks to backbeat_user;
create policy catalog_tracks_read on catalog_tracks for select to backbeat_anon, backbeat_user
  using ((deleted_at is null and visibility in ('public', 'unlisted')) or created_by = {OWN});
create policy catalog_tracks_insert_own on catalog_tracks for insert to backbeat_user
  with check (created_by = {OWN});
create policy catalog_tracks_update_own on catalog_tracks for update to backbeat_user
  using (created_by = {OWN}) with check (created_by = {OWN});

alter table catalog_track_contacts enable row level security;
grant select on catalog_track_contacts to backbeat_anon, backbeat_user;
grant insert, update on catalog_track_contacts to backbeat_user;
create policy catalog_track_contacts_owner on catalog_track_contacts for all to backbeat_user
  using ({TRACK_OWNED}) with check ({TRACK_OWNED});

alter table catalog_payees enable row level security;
grant select on catalog_payees to backbeat_anon, backbeat_user;
create policy catalog_payees_read on catalog_payees for select to backbeat_anon, backbeat_user
  using (true);

alter table catalog_split_versions enable row level security;
grant select on catalog_split_versions to backbeat_anon, backbeat_user;
grant insert on catalog_split_versions to backbeat_user;
grant update (status, effective_from) on catalog_split_versions to backbeat_user;
create policy catalog_split_versions_read on catalog_split_versions for select
  to backbeat_anon, backbeat_user using ({TRACK_VISIBLE});
create policy catalog_split_versions_write on catalog_split_versions for insert to backbeat_user
  with check ({TRACK_OWNED});
create policy catalog_split_versions_supersede on catalog_split_versions for update
  to backbeat_user using ({TRACK_OWNED}) with check ({TRACK_OWNED});

alter table catalog_split_entries enable row level security;
grant select on catalog_split_entries to backbeat_anon, backbeat_user;
grant insert on catalog_split_entries to backbeat_user;
create policy catalog_split_entries_read on catalog_split_entries for select
  to backbeat_anon, backbeat_user
  using (exists (select 1 from catalog_split_versions v where v.id = version_id));
create policy catalog_split_entries_write on catalog_split_entries for insert to backbeat_user
  with check (exists (select 1 from catalog_split_versions v join catalog_tracks t on t.id = v.track_id
                      where v.id = version_id and t.created_by = {OWN}));

alter table catalog_split_approvals enable row level security;
grant select on catalog_split_approvals to backbeat_anon, backbeat_user;
grant insert on catalog_split_approvals to backbeat_user;
create policy catalog_split_approvals_read on catalog_split_approvals for select
  to backbeat_anon, backbeat_user
  using (exists (select 1 from catalog_split_versions v where v.id = version_id));
create policy catalog_split_approvals_own on catalog_split_approvals for insert to backbeat_user
  with check (user_id = {OWN} and exists (select 1 from catalog_split_versions v where v.id = version_id));

alter table catalog_credits enable row level security;
grant select on catalog_credits to backbeat_anon, backbeat_user;
grant insert, delete on catalog_credits to backbeat_user;
create policy catalog_credits_read on catalog_credits for select to backbeat_anon, backbeat_user
  using ({TRACK_VISIBLE});
create policy catalog_credits_insert on catalog_credits for insert to backbeat_user
  with check ({TRACK_OWNED});
create policy catalog_credits_delete on catalog_credits for delete to backbeat_user
  using ({TRACK_OWNED});

alter table catalog_lineage_edges enable row level security;
grant select on catalog_lineage_edges to backbeat_anon, backbeat_user;
grant insert, delete on catalog_lineage_edges to backbeat_user;
create policy catalog_lineage_edges_read on catalog_lineage_edges for select
  to backbeat_anon, backbeat_user
  using (exists (select 1 from catalog_tracks t where t.id = child_id)
         and exists (select 1 from catalog_tracks t where t.id = parent_id));
create policy catalog_lineage_edges_insert on catalog_lineage_edges for insert to backbeat_user
  with check (exists (select 1 from catalog_tracks t where t.id = child_id and t.created_by = {OWN})
              and exists (select 1 from catalog_tracks t where t.id = parent_id));
create policy catalog_lineage_edges_delete on catalog_lineage_edges for delete to backbeat_user
  using (exists (select 1 from catalog_tracks t where t.id = child_id and t.created_by = {OWN}));

alter table catalog_split_presets enable row level security;
grant select, insert, delete on catalog_split_presets to backbeat_user;
create policy catalog_split_presets_own on catalog_split_presets for all to backbeat_user
  using (user_id = {OWN}) with check (user_id = {OWN});

alter table catalog_track_history enable row level security;
grant select, insert on catalog_track_history to backbeat_anon, backbeat_user;
revoke insert on catalog_track_history from backbeat_anon;
create policy catalog_track_history_read on catalog_track_history for select
  to backbeat_anon, backbeat_user using ({TRACK_VISIBLE});
create policy catalog_track_history_write on catalog_track_history for insert to backbeat_user
  with check (actor_id = {OWN} and {TRACK_VISIBLE});
"""

VIEWS = """
create view catalog_payee_owners with (security_invoker = true) as
  select p.id as payee_id, coalesce(p.user_id, w.user_id) as user_id, p.wallet
  from catalog_payees p left join identity_wallets w on w.caip10 = p.wallet;
comment on view catalog_payee_owners is
  'Who owns each payee: its user, or the user who proved its wallet (identity_wallets).';
grant select on catalog_payee_owners to backbeat_user;

create view ip_tracks_with_attribution with (security_invoker = true) as
  with sheets as (
    select t.id as track_id, s.sheet,
      jsonb_agg(jsonb_build_object(
        'wallet', coalesce(p.wallet, 'user:' || p.user_id::text),
        'percentage', (e.share_ppm / 10000.0)::numeric(7, 4)) order by e.position) as splits
    from catalog_tracks t
    cross join (values ('composition'), ('production')) as s(sheet)
    cross join lateral (
      select v.id from catalog_split_versions v
      where v.track_id = t.id and v.sheet = s.sheet and v.status = 'active'
        and v.effective_from <= now()
      order by v.effective_from desc, v.version desc limit 1) as cur
    join catalog_split_entries e on e.version_id = cur.id
    join catalog_payees p on p.id = e.payee_id
    where t.deleted_at is null
    group by t.id, s.sheet
  )
  select t.id, t.title, t.artist, t.description, to_jsonb(t.tags) as tags, t.sample_type,
    t.loop_category, t.isrc, t.social_urls, coalesce(c.contact_info, '{}'::jsonb) as contact_info,
    cs.splits -> 0 ->> 'wallet' as composition_split_1_wallet,
    (cs.splits -> 0 ->> 'percentage')::numeric(7, 4) as composition_split_1_percentage,
    cs.splits -> 1 ->> 'wallet' as composition_split_2_wallet,
    coalesce((cs.splits -> 1 ->> 'percentage')::numeric(7, 4), 0) as composition_split_2_percentage,
    cs.splits -> 2 ->> 'wallet' as composition_split_3_wallet,
    coalesce((cs.splits -> 2 ->> 'percentage')::numeric(7, 4), 0) as composition_split_3_percentage,
    ps.splits -> 0 ->> 'wallet' as production_split_1_wallet,
    (ps.splits -> 0 ->> 'percentage')::numeric(7, 4) as production_split_1_percentage,
    ps.splits -> 1 ->> 'wallet' as production_split_2_wallet,
    coalesce((ps.splits -> 1 ->> 'percentage')::numeric(7, 4), 0) as production_split_2_percentage,
    ps.splits -> 2 ->> 'wallet' as production_split_3_wallet,
    coalesce((ps.splits -> 2 ->> 'percentage')::numeric(7, 4), 0) as production_split_3_percentage,
    null::text as cover_image_url, null::text as audio_url,
    t.created_at, t.updated_at, t.created_by::text as created_by,
    coalesce(cs.splits, '[]'::jsonb) as composition_splits,
    coalesce(ps.splits, '[]'::jsonb) as production_splits
  from catalog_tracks t
  left join catalog_track_contacts c on c.track_id = t.id
  left join sheets cs on cs.track_id = t.id and cs.sheet = 'composition'
  left join sheets ps on ps.track_id = t.id and ps.sheet = 'production'
  where t.deleted_at is null;
grant select on ip_tracks_with_attribution to backbeat_anon, backbeat_user;
"""


def upgrade() -> None:
    op.execute(TAGS_FUNCTION)
    op.create_table(
        "catalog_payees",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("wallet", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "num_nonnulls(user_id, wallet) = 1", name=op.f("ck_catalog_payees_user_or_wallet")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_catalog_payees_user_id_identity_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_payees")),
        sa.UniqueConstraint("user_id", name=op.f("uq_catalog_payees_user_id")),
        sa.UniqueConstraint("wallet", name=op.f("uq_catalog_payees_wallet")),
    )
    op.create_table(
        "catalog_split_presets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("entries", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("slot between 1 and 100", name=op.f("ck_catalog_split_presets_slot")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_catalog_split_presets_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_split_presets")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_catalog_split_presets_user_id_name")),
        sa.UniqueConstraint("user_id", "slot", name=op.f("uq_catalog_split_presets_user_id_slot")),
    )
    op.create_table(
        "catalog_tracks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("artist", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "tags",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column("sample_type", sa.Text(), nullable=False),
        sa.Column("loop_category", sa.Text(), nullable=True),
        sa.Column("bpm", sa.Float(), nullable=True),
        sa.Column("key", sa.Text(), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("isrc", sa.Text(), nullable=True),
        sa.Column("iswc", sa.Text(), nullable=True),
        sa.Column("license_derivatives", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("license_commercial", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("license_attribution", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "social_urls",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("visibility", sa.Text(), server_default="public", nullable=False),
        sa.Column("stem_type", sa.Text(), nullable=True),
        sa.Column("cover_object_id", sa.Uuid(), nullable=True),
        sa.Column("audio_object_id", sa.Uuid(), nullable=True),
        sa.Column("import_key", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
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
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "search",
            postgresql.TSVECTOR(),
            sa.Computed(
                "setweight(to_tsvector('simple'::regconfig, title), 'A') || setweight(to_tsvector('simple'::regconfig, artist), 'B') || setweight(to_tsvector('simple'::regconfig, catalog_tags_text(tags)), 'C') || setweight(to_tsvector('simple'::regconfig, coalesce(description, '')), 'D')",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "sample_type in ('vocals', 'beats', 'full_backing_track', 'leads_and_tops', 'instrumental', 'song', 'stem', 'other')",
            name=op.f("ck_catalog_tracks_sample_type"),
        ),
        sa.CheckConstraint(
            "stem_type is null or stem_type in ('vocals', 'drums', 'bass', 'harmonic', 'other')",
            name=op.f("ck_catalog_tracks_stem_type"),
        ),
        sa.CheckConstraint(
            "visibility in ('public', 'unlisted', 'private')",
            name=op.f("ck_catalog_tracks_visibility"),
        ),
        sa.CheckConstraint(
            "bpm is null or (bpm > 0 and bpm < 1000)", name=op.f("ck_catalog_tracks_bpm")
        ),
        sa.CheckConstraint(
            "duration_seconds is null or duration_seconds >= 0",
            name=op.f("ck_catalog_tracks_duration"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["identity_users.id"],
            name=op.f("fk_catalog_tracks_created_by_identity_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_tracks")),
        sa.UniqueConstraint(
            "created_by", "import_key", name=op.f("uq_catalog_tracks_created_by_import_key")
        ),
    )
    op.create_index(
        "ix_catalog_tracks_created_by_sample_type",
        "catalog_tracks",
        ["created_by", "sample_type"],
        unique=False,
    )
    op.create_index(
        "ix_catalog_tracks_public_bpm",
        "catalog_tracks",
        [sa.literal_column("coalesce(bpm, 'Infinity'::double precision)"), "id"],
        unique=False,
        postgresql_where=sa.text("visibility = 'public' and deleted_at is null"),
    )
    op.create_index(
        "ix_catalog_tracks_public_newest",
        "catalog_tracks",
        [sa.literal_column("created_at desc"), sa.literal_column("id desc")],
        unique=False,
        postgresql_where=sa.text("visibility = 'public' and deleted_at is null"),
    )
    op.create_index(
        "ix_catalog_tracks_public_title",
        "catalog_tracks",
        ["title", "id"],
        unique=False,
        postgresql_where=sa.text("visibility = 'public' and deleted_at is null"),
    )
    op.create_index(
        "ix_catalog_tracks_search",
        "catalog_tracks",
        ["search"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        "ix_catalog_tracks_tags", "catalog_tracks", ["tags"], unique=False, postgresql_using="gin"
    )
    op.create_table(
        "catalog_credits",
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "role in ('composer', 'lyricist', 'composer_lyricist', 'arranger', 'producer', 'performer', 'engineer', 'publisher', 'label', 'other')",
            name=op.f("ck_catalog_credits_role"),
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["catalog_tracks.id"],
            name=op.f("fk_catalog_credits_track_id_catalog_tracks"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_catalog_credits_user_id_identity_users"),
        ),
        sa.PrimaryKeyConstraint("track_id", "position", name=op.f("pk_catalog_credits")),
    )
    op.create_table(
        "catalog_lineage_edges",
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("share_ppm", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(kind = 'stem_of' and share_ppm is null) or (kind <> 'stem_of' and share_ppm > 0 and share_ppm <= 1000000)",
            name=op.f("ck_catalog_lineage_edges_share_ppm"),
        ),
        sa.CheckConstraint(
            "kind in ('remix', 'sample', 'interpolation', 'stem_of')",
            name=op.f("ck_catalog_lineage_edges_kind"),
        ),
        sa.CheckConstraint("child_id <> parent_id", name=op.f("ck_catalog_lineage_edges_not_self")),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["catalog_tracks.id"],
            name=op.f("fk_catalog_lineage_edges_child_id_catalog_tracks"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["identity_users.id"],
            name=op.f("fk_catalog_lineage_edges_created_by_identity_users"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["catalog_tracks.id"],
            name=op.f("fk_catalog_lineage_edges_parent_id_catalog_tracks"),
        ),
        sa.PrimaryKeyConstraint("child_id", "parent_id", name=op.f("pk_catalog_lineage_edges")),
    )
    op.create_index(
        "ix_catalog_lineage_edges_parent_id_kind",
        "catalog_lineage_edges",
        ["parent_id", "kind"],
        unique=False,
    )
    op.create_table(
        "catalog_split_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("sheet", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "sheet in ('composition', 'production')", name=op.f("ck_catalog_split_versions_sheet")
        ),
        sa.CheckConstraint(
            "status in ('active', 'pending', 'superseded')",
            name=op.f("ck_catalog_split_versions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["identity_users.id"],
            name=op.f("fk_catalog_split_versions_created_by_identity_users"),
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["catalog_tracks.id"],
            name=op.f("fk_catalog_split_versions_track_id_catalog_tracks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_split_versions")),
        sa.UniqueConstraint(
            "track_id",
            "sheet",
            "version",
            name=op.f("uq_catalog_split_versions_track_id_sheet_version"),
        ),
    )
    op.create_index(
        "ix_catalog_split_versions_in_force",
        "catalog_split_versions",
        [
            "track_id",
            "sheet",
            sa.literal_column("effective_from desc"),
            sa.literal_column("version desc"),
        ],
        unique=False,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "catalog_track_contacts",
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column(
            "contact_info",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["catalog_tracks.id"],
            name=op.f("fk_catalog_track_contacts_track_id_catalog_tracks"),
        ),
        sa.PrimaryKeyConstraint("track_id", name=op.f("pk_catalog_track_contacts")),
    )
    op.create_table(
        "catalog_track_history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["catalog_tracks.id"],
            name=op.f("fk_catalog_track_history_track_id_catalog_tracks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_track_history")),
    )
    op.create_index(
        "ix_catalog_track_history_track_id_id",
        "catalog_track_history",
        ["track_id", "id"],
        unique=False,
    )
    op.create_table(
        "catalog_split_approvals",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "approved_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_catalog_split_approvals_user_id_identity_users"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["catalog_split_versions.id"],
            name=op.f("fk_catalog_split_approvals_version_id_catalog_split_versions"),
        ),
        sa.PrimaryKeyConstraint("version_id", "user_id", name=op.f("pk_catalog_split_approvals")),
    )
    op.create_table(
        "catalog_split_entries",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("payee_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("share_ppm", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "role in ('composer', 'lyricist', 'composer_lyricist', 'arranger', 'producer', 'performer', 'engineer', 'publisher', 'label', 'other')",
            name=op.f("ck_catalog_split_entries_role"),
        ),
        sa.CheckConstraint(
            "share_ppm > 0 and share_ppm <= 1000000",
            name=op.f("ck_catalog_split_entries_share_ppm"),
        ),
        sa.ForeignKeyConstraint(
            ["payee_id"],
            ["catalog_payees.id"],
            name=op.f("fk_catalog_split_entries_payee_id_catalog_payees"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["catalog_split_versions.id"],
            name=op.f("fk_catalog_split_entries_version_id_catalog_split_versions"),
        ),
        sa.PrimaryKeyConstraint("version_id", "position", name=op.f("pk_catalog_split_entries")),
        sa.UniqueConstraint(
            "version_id", "payee_id", name=op.f("uq_catalog_split_entries_version_id_payee_id")
        ),
    )
    op.create_index(
        op.f("ix_catalog_split_entries_payee_id"),
        "catalog_split_entries",
        ["payee_id"],
        unique=False,
    )
    op.execute(TRIGGERS)
    op.execute(ROW_SECURITY)
    op.execute(VIEWS)


def downgrade() -> None:
    op.execute("drop view if exists ip_tracks_with_attribution")
    op.execute("drop view if exists catalog_payee_owners")
    op.drop_index(op.f("ix_catalog_split_entries_payee_id"), table_name="catalog_split_entries")
    op.drop_table("catalog_split_entries")
    op.drop_table("catalog_split_approvals")
    op.drop_index("ix_catalog_track_history_track_id_id", table_name="catalog_track_history")
    op.drop_table("catalog_track_history")
    op.drop_table("catalog_track_contacts")
    op.drop_index(
        "ix_catalog_split_versions_in_force",
        table_name="catalog_split_versions",
        postgresql_where=sa.text("status = 'active'"),
    )
    op.drop_table("catalog_split_versions")
    op.drop_index("ix_catalog_lineage_edges_parent_id_kind", table_name="catalog_lineage_edges")
    op.drop_table("catalog_lineage_edges")
    op.drop_table("catalog_credits")
    op.drop_index("ix_catalog_tracks_tags", table_name="catalog_tracks", postgresql_using="gin")
    op.drop_index("ix_catalog_tracks_search", table_name="catalog_tracks", postgresql_using="gin")
    op.drop_index(
        "ix_catalog_tracks_public_title",
        table_name="catalog_tracks",
        postgresql_where=sa.text("visibility = 'public' and deleted_at is null"),
    )
    op.drop_index(
        "ix_catalog_tracks_public_newest",
        table_name="catalog_tracks",
        postgresql_where=sa.text("visibility = 'public' and deleted_at is null"),
    )
    op.drop_index(
        "ix_catalog_tracks_public_bpm",
        table_name="catalog_tracks",
        postgresql_where=sa.text("visibility = 'public' and deleted_at is null"),
    )
    op.drop_index("ix_catalog_tracks_created_by_sample_type", table_name="catalog_tracks")
    op.drop_table("catalog_tracks")
    op.drop_table("catalog_split_presets")
    op.drop_table("catalog_payees")
    for function in (
        "catalog_payee_id(uuid, text)",
        "catalog_activate_when_approved()",
        "catalog_try_activate(uuid)",
        "catalog_lineage_check(uuid, uuid)",
        "catalog_split_version_guard()",
        "catalog_refuse_change()",
        "catalog_check_split_sum()",
        "catalog_tags_text(text[])",
    ):
        op.execute(f"drop function if exists {function}")
