"""Studio: projects with members, history as patches with checkpoints, snapshots, files,
bounces, presence, plugin presets and Mixx Recall; row-level security lets members only in.

`studio_role_of(project)` (SECURITY DEFINER, so policies never recurse through each other's RLS)
is the caller's role on a project: owner, editor, viewer or null.

Revision ID: 20261203_studio
Revises: 20261203_lean_reads
Create Date: 2026-12-03 09:08:24.322340+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261203_studio"
down_revision: str | None = "20261203_lean_reads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROW_LEVEL_SECURITY = """
create function studio_role_of(_project uuid) returns text
language sql stable security definer set search_path = public, pg_temp as $$
  select case when p.owner_id = auth.uid() then 'owner' else (
    select m.role from studio_project_members m
     where m.project_id = p.id and m.user_id = auth.uid()) end
    from studio_projects p where p.id = _project
$$;
revoke all on function studio_role_of(uuid) from public;
grant execute on function studio_role_of(uuid) to backbeat_user, backbeat_anon;

create function studio_my_email() returns text
language sql stable security definer set search_path = public, pg_temp as $$
  select lower(email) from identity_users
   where id = auth.uid() and email is not null and email_verified_at is not null
$$;
revoke all on function studio_my_email() from public;
grant execute on function studio_my_email() to backbeat_user;

create function studio_use_preset(_preset uuid) returns integer
language sql volatile security definer set search_path = public, pg_temp as $$
  update studio_plugin_presets set usage_count = usage_count + 1, last_used_at = now()
   where id = _preset and (is_public or is_system or user_id = auth.uid())
  returning usage_count
$$;
revoke all on function studio_use_preset(uuid) from public;
grant execute on function studio_use_preset(uuid) to backbeat_user;

create function studio_note_opened(_project uuid) returns void
language sql volatile security definer set search_path = public, pg_temp as $$
  update studio_projects set last_opened_at = now()
   where id = _project and studio_role_of(_project) is not null
$$;
revoke all on function studio_note_opened(uuid) from public;
grant execute on function studio_note_opened(uuid) to backbeat_user;

alter table studio_projects enable row level security;
alter table studio_project_members enable row level security;
alter table studio_project_invitations enable row level security;
alter table studio_project_versions enable row level security;
alter table studio_project_snapshots enable row level security;
alter table studio_project_files enable row level security;
alter table studio_bounces enable row level security;
alter table studio_presence enable row level security;
alter table studio_plugin_presets enable row level security;
alter table studio_recall enable row level security;
alter table studio_recall_observations enable row level security;
alter table studio_collaboration_sessions enable row level security;
alter table studio_session_participants enable row level security;

create policy studio_sessions_read on studio_collaboration_sessions for select to backbeat_user
  using (studio_role_of(project_id) is not null);
create policy studio_sessions_start on studio_collaboration_sessions for insert to backbeat_user
  with check (started_by = (select auth.uid())
    and studio_role_of(project_id) in ('owner', 'editor'));
create policy studio_sessions_end on studio_collaboration_sessions for update to backbeat_user
  using (studio_role_of(project_id) in ('owner', 'editor'))
  with check (studio_role_of(project_id) in ('owner', 'editor'));
create policy studio_participants_read on studio_session_participants for select
  to backbeat_user using (studio_role_of(project_id) is not null);
create policy studio_participants_end on studio_session_participants for update
  to backbeat_user using (studio_role_of(project_id) in ('owner', 'editor'))
  with check (studio_role_of(project_id) in ('owner', 'editor'));
create policy studio_participants_own on studio_session_participants for all to backbeat_user
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()) and studio_role_of(project_id) is not null);

create policy studio_projects_read on studio_projects for select to backbeat_user
  using (owner_id = (select auth.uid()) or studio_role_of(id) is not null);
create policy studio_projects_insert on studio_projects for insert to backbeat_user
  with check (owner_id = (select auth.uid()));
create policy studio_projects_save on studio_projects for update to backbeat_user
  using (studio_role_of(id) in ('owner', 'editor'))
  with check (studio_role_of(id) in ('owner', 'editor'));
create policy studio_projects_delete on studio_projects for delete to backbeat_user
  using (owner_id = (select auth.uid()));

create policy studio_members_read on studio_project_members for select to backbeat_user
  using (user_id = (select auth.uid()) or studio_role_of(project_id) is not null);
create policy studio_members_insert on studio_project_members for insert to backbeat_user
  with check (studio_role_of(project_id) = 'owner' or (
    user_id = (select auth.uid()) and exists (
      select 1 from studio_project_invitations i
       where i.project_id = studio_project_members.project_id
         and (i.invitee_id = (select auth.uid()) or i.invitee_email = (select studio_my_email()))
         and i.role = studio_project_members.role and i.status = 'pending')));
create policy studio_members_update on studio_project_members for update to backbeat_user
  using (studio_role_of(project_id) = 'owner') with check (studio_role_of(project_id) = 'owner');
create policy studio_members_delete on studio_project_members for delete to backbeat_user
  using (user_id = (select auth.uid()) or studio_role_of(project_id) = 'owner');

create policy studio_invitations_read on studio_project_invitations for select to backbeat_user
  using (invitee_id = (select auth.uid()) or invitee_email = (select studio_my_email())
    or studio_role_of(project_id) = 'owner');
create policy studio_invitations_insert on studio_project_invitations for insert
  to backbeat_user
  with check (invited_by = (select auth.uid()) and studio_role_of(project_id) = 'owner');
create policy studio_invitations_update on studio_project_invitations for update
  to backbeat_user
  using (invitee_id = (select auth.uid()) or invitee_email = (select studio_my_email())
    or studio_role_of(project_id) = 'owner')
  with check (invitee_id = (select auth.uid()) or studio_role_of(project_id) = 'owner');

create policy studio_versions_read on studio_project_versions for select to backbeat_user
  using (studio_role_of(project_id) is not null);
create policy studio_versions_insert on studio_project_versions for insert to backbeat_user
  with check (author_id = (select auth.uid())
    and studio_role_of(project_id) in ('owner', 'editor'));

create policy studio_snapshots_read on studio_project_snapshots for select to backbeat_user
  using (studio_role_of(project_id) is not null);
create policy studio_snapshots_insert on studio_project_snapshots for insert to backbeat_user
  with check (created_by = (select auth.uid())
    and studio_role_of(project_id) in ('owner', 'editor'));

create policy studio_files_read on studio_project_files for select to backbeat_user
  using (studio_role_of(project_id) is not null);
create policy studio_files_insert on studio_project_files for insert to backbeat_user
  with check (added_by = (select auth.uid())
    and studio_role_of(project_id) in ('owner', 'editor'));
create policy studio_files_delete on studio_project_files for delete to backbeat_user
  using (studio_role_of(project_id) in ('owner', 'editor'));

create policy studio_bounces_read on studio_bounces for select to backbeat_user
  using (studio_role_of(project_id) is not null);
create policy studio_bounces_insert on studio_bounces for insert to backbeat_user
  with check (bounced_by = (select auth.uid()) and studio_role_of(project_id) = 'owner');

create policy studio_presence_read on studio_presence for select to backbeat_user
  using (studio_role_of(project_id) is not null);
create policy studio_presence_own on studio_presence for all to backbeat_user
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()) and studio_role_of(project_id) is not null);

create policy studio_presets_read on studio_plugin_presets for select
  using (is_public or is_system or user_id = (select auth.uid()));
create policy studio_presets_own on studio_plugin_presets for all to backbeat_user
  using (user_id = (select auth.uid()) and not is_system)
  with check (user_id = (select auth.uid()) and not is_system);

create policy studio_recall_own on studio_recall for all to backbeat_user
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
create policy studio_observations_own on studio_recall_observations for all to backbeat_user
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));

grant select, insert, delete on studio_projects to backbeat_user;
grant update (name, description, bpm, key, time_signature, sample_rate, bit_depth, target_lufs,
  current_lufs, dynamic_range, genre, mood, tags, document, version, document_bytes, updated_at,
  last_opened_at, last_saved_at) on studio_projects to backbeat_user;
grant select, insert, update, delete on studio_project_members, studio_project_invitations,
  studio_presence, studio_plugin_presets, studio_recall to backbeat_user;
grant select, insert on studio_project_versions, studio_bounces, studio_recall_observations
  to backbeat_user;
grant select, insert, delete on studio_project_snapshots, studio_project_files to backbeat_user;
grant usage on sequence studio_recall_observations_id_seq to backbeat_user;
grant select on studio_plugin_presets to backbeat_anon;
grant select, insert on studio_collaboration_sessions, studio_session_participants
  to backbeat_user;
grant update (ended_at, notes) on studio_collaboration_sessions to backbeat_user;
grant update (left_at, role) on studio_session_participants to backbeat_user;

-- Members see every file of their project, whoever uploaded it: media's own RLS shows an object
-- to its owner only, so this view (owner's rights, security_barrier) joins for members.
create view studio_project_file_details with (security_barrier) as
  select f.project_id, f.object_id, o.path, o.size, o.content_type, a.id as audio_file_id,
         a.stem_type, a.parent_file_id, a.duration_seconds, f.added_by, f.added_at
    from studio_project_files f
    join media_objects o on o.id = f.object_id
    left join media_audio_files a on a.object_id = f.object_id
   where studio_role_of(f.project_id) is not null;
grant select on studio_project_file_details to backbeat_user;
"""
DROP_VIEW = "drop view if exists studio_project_file_details"
DROP_FUNCTIONS = """
drop function if exists studio_note_opened(uuid);
drop function if exists studio_use_preset(uuid);
drop function if exists studio_role_of(uuid);
drop function if exists studio_my_email();
"""


def upgrade() -> None:
    op.create_table(
        "studio_plugin_presets",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("plugin_type", sa.Text(), nullable=False),
        sa.Column("parameters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("is_public", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("is_system", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("usage_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "tags",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
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
            "is_system = (user_id is null)",
            name=op.f("ck_studio_plugin_presets_system_has_no_owner"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_studio_plugin_presets_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_plugin_presets")),
    )
    op.create_index(
        "ix_studio_plugin_presets_plugin_type_id",
        "studio_plugin_presets",
        ["plugin_type", "id"],
        unique=False,
    )
    op.create_index(
        "ix_studio_plugin_presets_tags",
        "studio_plugin_presets",
        ["tags"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        "ix_studio_plugin_presets_user_id", "studio_plugin_presets", ["user_id"], unique=False
    )
    op.create_table(
        "studio_projects",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("bpm", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("key", sa.Text(), nullable=True),
        sa.Column("time_signature", sa.Text(), server_default="4/4", nullable=False),
        sa.Column("sample_rate", sa.Integer(), server_default="44100", nullable=False),
        sa.Column("bit_depth", sa.SmallInteger(), server_default="24", nullable=False),
        sa.Column("target_lufs", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("current_lufs", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("dynamic_range", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("genre", sa.Text(), nullable=True),
        sa.Column("mood", sa.Text(), nullable=True),
        sa.Column(
            "tags",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column("document", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("document_bytes", sa.BigInteger(), nullable=False),
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
        sa.Column("last_opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "last_saved_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("bpm > 0 and bpm < 1000", name=op.f("ck_studio_projects_bpm_range")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_studio_projects_version_positive")),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["identity_users.id"],
            name=op.f("fk_studio_projects_owner_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_projects")),
    )
    op.create_index(
        "ix_studio_projects_owner_id_updated_at",
        "studio_projects",
        ["owner_id", "updated_at"],
        unique=False,
    )
    op.create_index(
        "ix_studio_projects_tags", "studio_projects", ["tags"], unique=False, postgresql_using="gin"
    )
    op.create_table(
        "studio_recall",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("value_key", sa.Text(), nullable=False),
        sa.Column("value", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("pinned", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("forgotten_at", sa.DateTime(timezone=True), nullable=True),
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
            "category in ('tempo', 'key', 'genre', 'plugin', 'loudness', 'workflow')",
            name=op.f("ck_studio_recall_category_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_studio_recall_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_recall")),
        sa.UniqueConstraint(
            "user_id",
            "category",
            "value_key",
            name=op.f("uq_studio_recall_user_id_category_value_key"),
        ),
    )
    op.create_table(
        "studio_recall_observations",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("value", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column(
            "observed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "category in ('tempo', 'key', 'genre', 'plugin', 'loudness', 'workflow')",
            name=op.f("ck_studio_recall_observations_category_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_studio_recall_observations_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_recall_observations")),
    )
    op.create_index(
        op.f("ix_studio_recall_observations_user_id"),
        "studio_recall_observations",
        ["user_id"],
        unique=False,
    )
    op.create_table(
        "studio_bounces",
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("bounced_by", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["bounced_by"],
            ["identity_users.id"],
            name=op.f("fk_studio_bounces_bounced_by_identity_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["studio_projects.id"],
            name=op.f("fk_studio_bounces_project_id_studio_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["catalog_tracks.id"],
            name=op.f("fk_studio_bounces_track_id_catalog_tracks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("track_id", name=op.f("pk_studio_bounces")),
    )
    op.create_index(
        op.f("ix_studio_bounces_project_id"), "studio_bounces", ["project_id"], unique=False
    )
    op.create_table(
        "studio_collaboration_sessions",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("started_by", sa.Uuid(), nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["studio_projects.id"],
            name=op.f("fk_studio_collaboration_sessions_project_id_studio_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["started_by"],
            ["identity_users.id"],
            name=op.f("fk_studio_collaboration_sessions_started_by_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_collaboration_sessions")),
    )
    op.create_index(
        "ix_studio_collaboration_sessions_project_id_started_at",
        "studio_collaboration_sessions",
        ["project_id", "started_at"],
        unique=False,
    )
    op.create_index(
        "uq_studio_collaboration_sessions_active",
        "studio_collaboration_sessions",
        ["project_id"],
        unique=True,
        postgresql_where=sa.text("ended_at is null"),
    )
    op.create_table(
        "studio_presence",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=False),
        sa.Column("cursor_seconds", sa.Float(), nullable=True),
        sa.Column(
            "view_state",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("active_tool", sa.Text(), nullable=True),
        sa.Column(
            "joined_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column(
            "last_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["studio_projects.id"],
            name=op.f("fk_studio_presence_project_id_studio_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_studio_presence_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "project_id", "user_id", "device_id", name=op.f("pk_studio_presence")
        ),
    )
    op.create_table(
        "studio_project_invitations",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("project_name", sa.Text(), nullable=False),
        sa.Column("invitee_id", sa.Uuid(), nullable=True),
        sa.Column("invitee_email", sa.Text(), nullable=True),
        sa.Column("invited_by", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(invitee_id is null) <> (invitee_email is null) or status = 'accepted'",
            name=op.f("ck_studio_project_invitations_one_invitee"),
        ),
        sa.CheckConstraint(
            "role in ('editor', 'viewer')", name=op.f("ck_studio_project_invitations_role_known")
        ),
        sa.CheckConstraint(
            "status in ('pending', 'accepted', 'declined', 'revoked')",
            name=op.f("ck_studio_project_invitations_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["identity_users.id"],
            name=op.f("fk_studio_project_invitations_invited_by_identity_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invitee_id"],
            ["identity_users.id"],
            name=op.f("fk_studio_project_invitations_invitee_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["studio_projects.id"],
            name=op.f("fk_studio_project_invitations_project_id_studio_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_project_invitations")),
    )
    op.create_index(
        op.f("ix_studio_project_invitations_invitee_id"),
        "studio_project_invitations",
        ["invitee_id"],
        unique=False,
    )
    op.create_index(
        "uq_studio_project_invitations_pending_email",
        "studio_project_invitations",
        ["project_id", "invitee_email"],
        unique=True,
        postgresql_where=sa.text("status = 'pending' and invitee_email is not null"),
    )
    op.create_index(
        "uq_studio_project_invitations_pending_user",
        "studio_project_invitations",
        ["project_id", "invitee_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending' and invitee_id is not null"),
    )
    op.create_table(
        "studio_project_members",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column(
            "added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint(
            "role in ('editor', 'viewer')", name=op.f("ck_studio_project_members_role_known")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["studio_projects.id"],
            name=op.f("fk_studio_project_members_project_id_studio_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_studio_project_members_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "user_id", name=op.f("pk_studio_project_members")),
    )
    op.create_index(
        op.f("ix_studio_project_members_user_id"),
        "studio_project_members",
        ["user_id"],
        unique=False,
    )
    op.create_table(
        "studio_project_versions",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("device_id", sa.Text(), nullable=True),
        sa.Column(
            "patch", postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), nullable=True
        ),
        sa.Column(
            "checkpoint", postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), nullable=True
        ),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("patch_bytes", sa.BigInteger(), nullable=False),
        sa.Column("merged", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("restored_from", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "patch is not null or checkpoint is not null",
            name=op.f("ck_studio_project_versions_rebuildable"),
        ),
        sa.CheckConstraint(
            "version = 1 or patch is not null",
            name=op.f("ck_studio_project_versions_patch_after_first"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["identity_users.id"],
            name=op.f("fk_studio_project_versions_author_id_identity_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["studio_projects.id"],
            name=op.f("fk_studio_project_versions_project_id_studio_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "version", name=op.f("pk_studio_project_versions")),
    )
    op.create_index(
        "ix_studio_project_versions_checkpoints",
        "studio_project_versions",
        ["project_id", "version"],
        unique=False,
        postgresql_where=sa.text("checkpoint is not null"),
    )
    op.create_table(
        "studio_project_files",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("object_id", sa.Uuid(), nullable=False),
        sa.Column("added_by", sa.Uuid(), nullable=True),
        sa.Column(
            "added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["added_by"],
            ["identity_users.id"],
            name=op.f("fk_studio_project_files_added_by_identity_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["media_objects.id"],
            name=op.f("fk_studio_project_files_object_id_media_objects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["studio_projects.id"],
            name=op.f("fk_studio_project_files_project_id_studio_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "object_id", name=op.f("pk_studio_project_files")),
    )
    op.create_index(
        op.f("ix_studio_project_files_object_id"),
        "studio_project_files",
        ["object_id"],
        unique=False,
    )
    op.create_table(
        "studio_project_snapshots",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("audio_object_id", sa.Uuid(), nullable=True),
        sa.Column(
            "audio_analysis",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            nullable=True,
        ),
        sa.Column(
            "musical_context",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            nullable=True,
        ),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind in ('manual', 'milestone', 'auto')",
            name=op.f("ck_studio_project_snapshots_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["audio_object_id"],
            ["media_objects.id"],
            name=op.f("fk_studio_project_snapshots_audio_object_id_media_objects"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["identity_users.id"],
            name=op.f("fk_studio_project_snapshots_created_by_identity_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["studio_projects.id"],
            name=op.f("fk_studio_project_snapshots_project_id_studio_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_project_snapshots")),
    )
    op.create_index(
        "ix_studio_project_snapshots_project_id_created_at",
        "studio_project_snapshots",
        ["project_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "studio_session_participants",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column(
            "joined_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["studio_projects.id"],
            name=op.f("fk_studio_session_participants_project_id_studio_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["studio_collaboration_sessions.id"],
            name=op.f("fk_studio_session_participants_session_id_studio_collaboration_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_studio_session_participants_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "session_id", "user_id", name=op.f("pk_studio_session_participants")
        ),
    )
    op.create_index(
        op.f("ix_studio_session_participants_project_id"),
        "studio_session_participants",
        ["project_id"],
        unique=False,
    )
    op.execute(ROW_LEVEL_SECURITY)


def downgrade() -> None:
    op.execute(DROP_VIEW)
    op.drop_index(
        op.f("ix_studio_session_participants_project_id"), table_name="studio_session_participants"
    )
    op.drop_table("studio_session_participants")
    op.drop_index(
        "ix_studio_project_snapshots_project_id_created_at", table_name="studio_project_snapshots"
    )
    op.drop_table("studio_project_snapshots")
    op.drop_index(op.f("ix_studio_project_files_object_id"), table_name="studio_project_files")
    op.drop_table("studio_project_files")
    op.drop_index(
        "ix_studio_project_versions_checkpoints",
        table_name="studio_project_versions",
        postgresql_where=sa.text("checkpoint is not null"),
    )
    op.drop_table("studio_project_versions")
    op.drop_index(op.f("ix_studio_project_members_user_id"), table_name="studio_project_members")
    op.drop_table("studio_project_members")
    op.drop_index(
        "uq_studio_project_invitations_pending_user",
        table_name="studio_project_invitations",
        postgresql_where=sa.text("status = 'pending' and invitee_id is not null"),
    )
    op.drop_index(
        "uq_studio_project_invitations_pending_email",
        table_name="studio_project_invitations",
        postgresql_where=sa.text("status = 'pending' and invitee_email is not null"),
    )
    op.drop_index(
        op.f("ix_studio_project_invitations_invitee_id"), table_name="studio_project_invitations"
    )
    op.drop_table("studio_project_invitations")
    op.drop_table("studio_presence")
    op.drop_index(
        "uq_studio_collaboration_sessions_active",
        table_name="studio_collaboration_sessions",
        postgresql_where=sa.text("ended_at is null"),
    )
    op.drop_index(
        "ix_studio_collaboration_sessions_project_id_started_at",
        table_name="studio_collaboration_sessions",
    )
    op.drop_table("studio_collaboration_sessions")
    op.drop_index(op.f("ix_studio_bounces_project_id"), table_name="studio_bounces")
    op.drop_table("studio_bounces")
    op.drop_index(
        op.f("ix_studio_recall_observations_user_id"), table_name="studio_recall_observations"
    )
    op.drop_table("studio_recall_observations")
    op.drop_table("studio_recall")
    op.drop_index("ix_studio_projects_tags", table_name="studio_projects", postgresql_using="gin")
    op.drop_index("ix_studio_projects_owner_id_updated_at", table_name="studio_projects")
    op.drop_table("studio_projects")
    op.drop_index("ix_studio_plugin_presets_user_id", table_name="studio_plugin_presets")
    op.drop_index(
        "ix_studio_plugin_presets_tags", table_name="studio_plugin_presets", postgresql_using="gin"
    )
    op.drop_index("ix_studio_plugin_presets_plugin_type_id", table_name="studio_plugin_presets")
    op.drop_table("studio_plugin_presets")
    op.execute(DROP_FUNCTIONS)
