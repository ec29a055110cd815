"""A track as JSON built by PostgreSQL: the one spelling of TrackOut that hot reads share."""

from __future__ import annotations

import uuid

from backbeat.errors import NotFound
from backbeat.reads import Read, ReadSession


def track_json(*, contact_info: str, credits: str | None) -> str:
    """TrackOut's fields over `catalog_tracks t`, with SQL for the computed ones (a list page
    leaves credits out: they default to [] and would cost a subquery per row)."""
    credits_field = f", 'credits', {credits}" if credits else ""
    return f"""json_build_object(
  'id', t.id, 'title', t.title, 'artist', t.artist, 'description', t.description,
  'tags', t.tags, 'sample_type', t.sample_type, 'loop_category', t.loop_category, 'bpm', t.bpm,
  'key', t.key, 'duration_seconds', t.duration_seconds, 'isrc', t.isrc, 'iswc', t.iswc,
  'license', json_build_object('derivatives', t.license_derivatives,
    'commercial', t.license_commercial, 'attribution', t.license_attribution),
  'social_urls', t.social_urls, 'contact_info', {contact_info}, 'visibility', t.visibility,
  'stem_type', t.stem_type, 'cover_object_id', t.cover_object_id,
  'audio_object_id', t.audio_object_id, 'created_by', t.created_by,
  'created_at', t.created_at, 'updated_at', t.updated_at{credits_field})"""


OWNERS_CONTACT_INFO = """case when t.created_by = (select auth.uid()) then coalesce(
    (select c.contact_info from catalog_track_contacts c where c.track_id = t.id), '{}'::jsonb)
  end"""
"""The owner's contact info ({} when none was given); null for everyone else (RLS agrees)."""
CREDITS = """coalesce((select json_agg(json_build_object(
      'name', cr.name, 'role', cr.role, 'user_id', cr.user_id) order by cr.position)
    from catalog_credits cr where cr.track_id = t.id), '[]'::json)"""

TRACK_READ = Read(
    f"select {track_json(contact_info=OWNERS_CONTACT_INFO, credits=CREDITS)}::text "  # noqa: S608
    "from catalog_tracks t where t.id = %(id)s and t.deleted_at is null"
)
"""One statement: the track row RLS lets the caller see, its credits, the owner's contact info."""


async def read_track(read: ReadSession, track_id: uuid.UUID) -> str:
    """A public or unlisted track, or the caller's own private one, as TrackOut JSON."""
    found = await read.one(TRACK_READ, id=track_id)
    if found is None:
        raise NotFound(f"No track {track_id}")
    return found
