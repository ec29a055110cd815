"""Media: buckets, content-addressed blobs, objects, uploads, audio files; RLS by owner folder.

Revision ID: 20261122_media
Revises: 20261122_catalog
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261122_media"
down_revision: str | None = "20261122_catalog"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUCKETS = """
insert into media_buckets (name, public, size_limit_bytes, allowed_types) values
  ('ip-track-assets', true, 52428800, array['image/jpeg', 'image/png', 'image/gif', 'image/webp',
    'audio/mpeg', 'audio/wav', 'audio/flac', 'audio/aiff', 'audio/ogg']),
  ('project-audio', false, 2147483648, array['audio/*']),
  ('avatars', true, 5242880, array['image/*']);
"""

BLOB_REFCOUNT = """
create function media_track_blobs() returns trigger
language plpgsql security definer set search_path = public as $$
begin
  if tg_op in ('INSERT', 'UPDATE') then
    insert into media_blobs (sha256, refcount) values (new.sha256, 1)
      on conflict (sha256) do update set refcount = media_blobs.refcount + 1, updated_at = now();
    if new.thumbnail_sha256 is not null then
      insert into media_blobs (sha256, refcount) values (new.thumbnail_sha256, 1)
        on conflict (sha256) do update set refcount = media_blobs.refcount + 1, updated_at = now();
    end if;
  end if;
  if tg_op in ('DELETE', 'UPDATE') then
    update media_blobs set refcount = refcount - 1, updated_at = now() where sha256 = old.sha256;
    if old.thumbnail_sha256 is not null then
      update media_blobs set refcount = refcount - 1, updated_at = now()
        where sha256 = old.thumbnail_sha256;
    end if;
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end
$$;
revoke all on function media_track_blobs() from public;
create trigger media_objects_blobs before insert or delete or update of sha256, thumbnail_sha256
  on media_objects for each row execute function media_track_blobs();
"""

ROW_LEVEL_SECURITY = """
alter table media_buckets enable row level security;
alter table media_blobs enable row level security;
alter table media_objects enable row level security;
alter table media_uploads enable row level security;
alter table media_audio_files enable row level security;

create policy media_buckets_read on media_buckets for select using (true);

create policy media_objects_read on media_objects for select using (
  owner_id = (select auth.uid())
  or exists (select 1 from media_buckets b where b.name = bucket and b.public)
);
create policy media_objects_insert on media_objects for insert to backbeat_user with check (
  owner_id = (select auth.uid()) and split_part(path, '/', 1) = (select auth.uid())::text
);
create policy media_objects_update on media_objects for update to backbeat_user
  using (owner_id = (select auth.uid()))
  with check (
    owner_id = (select auth.uid()) and split_part(path, '/', 1) = (select auth.uid())::text
  );
create policy media_objects_delete on media_objects for delete to backbeat_user
  using (owner_id = (select auth.uid()));

create policy media_uploads_owner on media_uploads for all to backbeat_user
  using (owner_id = (select auth.uid()))
  with check (
    owner_id = (select auth.uid()) and split_part(path, '/', 1) = (select auth.uid())::text
  );

create policy media_audio_files_read on media_audio_files for select using (
  exists (select 1 from media_objects o where o.id = object_id)
);
create policy media_audio_files_write on media_audio_files for all to backbeat_user
  using (owner_id = (select auth.uid()))
  with check (owner_id = (select auth.uid()));

grant select on media_buckets to backbeat_anon, backbeat_user;
grant select on media_objects, media_audio_files to backbeat_anon;
grant select, insert, update, delete on media_objects, media_uploads, media_audio_files
  to backbeat_user;
"""


def upgrade() -> None:
    op.create_table(
        "media_blobs",
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("refcount", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_media_blobs")),
    )
    op.create_table(
        "media_buckets",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("size_limit_bytes", sa.BigInteger(), nullable=False),
        sa.Column("allowed_types", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_media_buckets")),
    )
    op.create_table(
        "media_uploads",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("bucket", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("protocol", sa.Text(), nullable=False),
        sa.Column("claimed_type", sa.Text(), server_default="", nullable=False),
        sa.Column("preset", sa.Text(), nullable=True),
        sa.Column(
            "metadata", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("length", sa.BigInteger(), nullable=True),
        sa.Column("offset", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("state", sa.Text(), server_default="receiving", nullable=False),
        sa.Column("progress", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("failure_code", sa.Text(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("object_id", sa.Uuid(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
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
            "state in ('receiving', 'analysing', 'compressing', 'storing', 'finalising', 'complete', 'failed')",
            name=op.f("ck_media_uploads_state_known"),
        ),
        sa.CheckConstraint(
            "progress between 0 and 100", name=op.f("ck_media_uploads_progress_percent")
        ),
        sa.ForeignKeyConstraint(
            ["bucket"], ["media_buckets.name"], name=op.f("fk_media_uploads_bucket_media_buckets")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["identity_users.id"],
            name=op.f("fk_media_uploads_owner_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_uploads")),
    )
    op.create_index(
        op.f("ix_media_uploads_expires_at"), "media_uploads", ["expires_at"], unique=False
    )
    op.create_index(op.f("ix_media_uploads_owner_id"), "media_uploads", ["owner_id"], unique=False)
    op.create_table(
        "media_objects",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("bucket", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("cid", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column(
            "metadata", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("thumbnail_sha256", sa.Text(), nullable=True),
        sa.Column("upload_id", sa.Uuid(), nullable=True),
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
        sa.CheckConstraint("size >= 0", name=op.f("ck_media_objects_size_not_negative")),
        sa.ForeignKeyConstraint(
            ["bucket"], ["media_buckets.name"], name=op.f("fk_media_objects_bucket_media_buckets")
        ),
        sa.ForeignKeyConstraint(
            ["sha256"], ["media_blobs.sha256"], name=op.f("fk_media_objects_sha256_media_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["thumbnail_sha256"],
            ["media_blobs.sha256"],
            name=op.f("fk_media_objects_thumbnail_sha256_media_blobs"),
        ),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["media_uploads.id"],
            name=op.f("fk_media_objects_upload_id_media_uploads"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["identity_users.id"],
            name=op.f("fk_media_objects_owner_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_objects")),
        sa.UniqueConstraint("bucket", "path", name=op.f("uq_media_objects_bucket_path")),
    )
    op.create_index(op.f("ix_media_objects_owner_id"), "media_objects", ["owner_id"], unique=False)
    op.create_index(op.f("ix_media_objects_sha256"), "media_objects", ["sha256"], unique=False)
    op.create_table(
        "media_audio_files",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("object_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("sample_rate", sa.Integer(), nullable=True),
        sa.Column("bit_depth", sa.SmallInteger(), nullable=True),
        sa.Column("channels", sa.SmallInteger(), nullable=True),
        sa.Column("format", sa.Text(), nullable=True),
        sa.Column("loudness_lufs", sa.Float(), nullable=True),
        sa.Column("true_peak_dbtp", sa.Float(), nullable=True),
        sa.Column("bpm", sa.Float(), nullable=True),
        sa.Column("key", sa.Text(), nullable=True),
        sa.Column("waveform", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("analysis_status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("analysis_error", sa.Text(), nullable=True),
        sa.Column("parent_file_id", sa.Uuid(), nullable=True),
        sa.Column("stem_type", sa.Text(), nullable=True),
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
            "analysis_status in ('pending', 'running', 'complete', 'failed')",
            name=op.f("ck_media_audio_files_analysis_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["media_objects.id"],
            name=op.f("fk_media_audio_files_object_id_media_objects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_file_id"],
            ["media_audio_files.id"],
            name=op.f("fk_media_audio_files_parent_file_id_media_audio_files"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["identity_users.id"],
            name=op.f("fk_media_audio_files_owner_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_audio_files")),
        sa.UniqueConstraint("object_id", name=op.f("uq_media_audio_files_object_id")),
    )
    op.create_index(
        op.f("ix_media_audio_files_owner_id"), "media_audio_files", ["owner_id"], unique=False
    )
    op.execute(BUCKETS)
    op.execute(BLOB_REFCOUNT)
    op.execute(ROW_LEVEL_SECURITY)


def downgrade() -> None:
    op.execute("drop trigger if exists media_objects_blobs on media_objects")
    op.execute("drop function if exists media_track_blobs()")
    op.drop_index(op.f("ix_media_audio_files_owner_id"), table_name="media_audio_files")
    op.drop_table("media_audio_files")
    op.drop_index(op.f("ix_media_objects_sha256"), table_name="media_objects")
    op.drop_index(op.f("ix_media_objects_owner_id"), table_name="media_objects")
    op.drop_table("media_objects")
    op.drop_index(op.f("ix_media_uploads_owner_id"), table_name="media_uploads")
    op.drop_index(op.f("ix_media_uploads_expires_at"), table_name="media_uploads")
    op.drop_table("media_uploads")
    op.drop_table("media_buckets")
    op.drop_table("media_blobs")
