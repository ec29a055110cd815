"""Catalog search: let full-text matching use the GIN index under row-level security.

PostgreSQL keeps a non-leakproof operator such as tsvector @@ tsquery above a table's RLS
policy, so a search run as backbeat_anon/backbeat_user could never use ix_catalog_tracks_search
and scanned every track. Search only ever lists public, live tracks, so a SECURITY DEFINER
function that returns exactly those matches reveals nothing RLS would hide, and it can use the
index.

Revision ID: 20261122_catalog_search
Revises: 20261122_media_links
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261122_catalog_search"
down_revision: str | None = "20261122_media_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH_FUNCTION = """
create function catalog_public_matches(_query tsquery) returns setof uuid
language sql stable security definer set search_path = public as $$
  select id from catalog_tracks
  where search @@ _query and visibility = 'public' and deleted_at is null
$$;
revoke all on function catalog_public_matches(tsquery) from public;
grant execute on function catalog_public_matches(tsquery) to backbeat_anon, backbeat_user;
"""


def upgrade() -> None:
    op.execute(SEARCH_FUNCTION)


def downgrade() -> None:
    op.execute("drop function if exists catalog_public_matches(tsquery)")
