"""Media's hot reads in one round trip: a page of one's objects as JSON, an object's content."""

from __future__ import annotations

import uuid

from backbeat.media.errors import BucketNotFound, ObjectNotFound
from backbeat.reads import Read, ReadSession

OBJECT_PAGE_READ = Read(r"""
with page as (
  select o.id, o.bucket, o.path, o.size, o.sha256, o.cid, o.content_type, o.metadata,
         a.id as audio_file_id, o.upload_id, o.created_at
  from media_objects o left join media_audio_files a on a.object_id = o.id
  where o.bucket = %(bucket)s and o.owner_id = %(owner)s
    and o.path like %(pattern)s escape '\'
    and (%(after)s::text is null or o.path > %(after)s::text)
  order by o.path limit %(limit)s
)
select case when exists (select 1 from media_buckets b where b.name = %(bucket)s)
  then json_build_object(
    'items', coalesce((select json_agg(json_build_object(
      'id', id, 'bucket', bucket, 'path', path, 'size', size, 'sha256', sha256, 'cid', cid,
      'content_type', content_type, 'metadata', metadata, 'audio_file_id', audio_file_id,
      'upload_id', upload_id, 'created_at', created_at) order by path) from page), '[]'),
    'next_cursor', case when (select count(*) from page) = %(limit)s
      then (select max(path) from page) end)::text
  end""")
"""ObjectPage: the caller's objects by path after the cursor, with their audio-file ids."""

OBJECT_CONTENT_READ = Read(
    "select o.sha256, o.size, o.content_type, o.thumbnail_sha256 from media_objects o "
    "where o.bucket = %(bucket)s and o.path = %(path)s"
)
"""What serving an object needs, as far as the caller's role may see it."""


def like_prefix(prefix: str) -> str:
    """A LIKE pattern matching paths that start with `prefix` literally."""
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def read_object_page(
    read: ReadSession,
    bucket: str,
    *,
    owner: uuid.UUID,
    prefix: str,
    cursor: str | None,
    limit: int,
) -> str:
    """The caller's own objects in a bucket, by path, after the cursor; one statement."""
    page = await read.one(
        OBJECT_PAGE_READ,
        bucket=bucket,
        owner=owner,
        pattern=like_prefix(prefix),
        after=cursor,
        limit=limit,
    )
    if page is None:
        raise BucketNotFound(f"There is no bucket named {bucket!r}.")
    return page


async def read_object_content(
    read: ReadSession, bucket: str, path: str
) -> tuple[str, int, str, str | None]:
    """sha256, size, content type and thumbnail of a readable object, or 404."""
    rows = await read.rows(OBJECT_CONTENT_READ, bucket=bucket, path=path)
    if not rows:
        raise ObjectNotFound(f"No object at {bucket}/{path}.")
    sha256, size, content_type, thumbnail = rows[0]
    return str(sha256), int(size), str(content_type), thumbnail
