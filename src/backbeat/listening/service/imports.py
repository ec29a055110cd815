"""History imports: an upload becomes a job; the job reads the export in batches of listens,
records every refused row with its reason, and counts what it skipped. Re-importing the same
file adds nothing: its listens are duplicates (same instant, same track)."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat import jobs
from backbeat.db import Database, session_scope
from backbeat.errors import NotFound, Unprocessable
from backbeat.identity.models import uuid7
from backbeat.listening.importers import (
    ImportFormat,
    Outcome,
    Parsed,
    Refused,
    Skipped,
    UnreadableFile,
    read_export,
)
from backbeat.listening.service.ingest import ingest_listens
from backbeat.reads import Read, ReadSession

BATCH = 1000
Progress = Callable[[int], None]


async def create_import(
    session: AsyncSession, fmt: ImportFormat, filename: str, body: bytes, *, actor: uuid.UUID
) -> uuid.UUID:
    """Keep the upload and queue its job (in the caller's transaction)."""
    if not body:
        raise Unprocessable("The file is empty.")
    import_id = await record_import(session, fmt, filename, body, user_id=actor)
    await jobs.enqueue(session, "listening.import", {"import_id": str(import_id)})
    return import_id


async def record_import(
    session: AsyncSession, fmt: ImportFormat, filename: str, body: bytes, *, user_id: uuid.UUID
) -> uuid.UUID:
    import_id = uuid7()
    await session.execute(
        text(
            "insert into listening_imports (id, user_id, format, filename) "
            "values (:id, :user, :format, :filename)"
        ),
        {"id": import_id, "user": user_id, "format": fmt, "filename": filename[:300]},
    )
    await session.execute(
        text("insert into listening_import_files (import_id, body) values (:id, :body)"),
        {"id": import_id, "body": body},
    )
    return import_id


@dataclass
class Tally:
    """What one batch did, added to the import's counters in the batch's own transaction."""

    rows: int = 0
    imported: int = 0
    duplicates: int = 0
    refusals: list[Refused] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


async def _record_batch(
    session: AsyncSession, import_id: uuid.UUID, user_id: uuid.UUID, batch: list[Outcome], seq: int
) -> Tally:
    tally = Tally(rows=len(batch))
    listens = [o.listen for o in batch if isinstance(o, Parsed)]
    tally.refusals = [o for o in batch if isinstance(o, Refused)]
    tally.skipped = Counter(o.kind for o in batch if isinstance(o, Skipped))
    result = await ingest_listens(session, user_id, listens)
    tally.imported, tally.duplicates = result.inserted, result.duplicates
    if tally.refusals:
        await session.execute(
            text(
                "insert into listening_import_refusals (import_id, seq, location, reason) "
                "select :id, seq, location, reason from unnest(cast(:seqs as int[]), "
                "cast(:locations as text[]), cast(:reasons as text[])) as r(seq, location, reason)"
            ),
            {
                "id": import_id,
                "seqs": list(range(seq, seq + len(tally.refusals))),
                "locations": [r.where for r in tally.refusals],
                "reasons": [r.reason for r in tally.refusals],
            },
        )
    await session.execute(
        text(
            "update listening_imports set rows_read = rows_read + :rows, "
            "imported = imported + :imported, duplicates = duplicates + :duplicates, "
            "refused = refused + :refused, skipped = skipped || coalesce((select "
            "jsonb_object_agg(n.key, coalesce((skipped ->> n.key)::int, 0) + n.value::int) "
            "from jsonb_each_text(cast(:skipped as jsonb)) as n), '{}'::jsonb) "
            "where id = :id"
        ),
        {
            "id": import_id,
            "rows": tally.rows,
            "imported": tally.imported,
            "duplicates": tally.duplicates,
            "refused": len(tally.refusals),
            "skipped": json.dumps(tally.skipped),
        },
    )
    return tally


def _batches(outcomes: Iterator[Outcome], size: int) -> Iterator[list[Outcome]]:
    while batch := list(islice(outcomes, size)):
        yield batch


async def run_import(
    database: Database, import_id: uuid.UUID, *, progress: Progress | None = None
) -> str:
    """Read the stored export in batches (each its own transaction); returns the final status."""
    async with session_scope(database) as session:
        found = (
            await session.execute(
                text(
                    "update listening_imports i set status = 'running', started_at = now() "
                    "from listening_import_files f where f.import_id = i.id and i.id = :id "
                    "and i.status in ('queued', 'running') returning i.user_id, i.format, "
                    "i.filename, f.body"
                ),
                {"id": import_id},
            )
        ).first()
    if found is None:
        return "missing"
    user_id, fmt, filename, body = found
    status, error = "done", None
    try:
        seq = 0
        for batch in _batches(read_export(bytes(body), fmt, filename), BATCH):
            async with session_scope(database) as session:
                tally = await _record_batch(session, import_id, user_id, batch, seq)
            seq += len(tally.refusals)
            if progress is not None:
                progress(tally.rows)
    except UnreadableFile as exc:
        status, error = "failed", str(exc)
    async with session_scope(database) as session:
        await session.execute(
            text(
                "update listening_imports set status = :status, error = :error, "
                "finished_at = now() where id = :id"
            ),
            {"id": import_id, "status": status, "error": error},
        )
        await session.execute(
            text("delete from listening_import_files where import_id = :id"), {"id": import_id}
        )
    return status


IMPORT_JSON = """json_build_object('id', i.id, 'format', i.format, 'filename', i.filename,
  'status', i.status, 'rows_read', i.rows_read, 'imported', i.imported,
  'duplicates', i.duplicates, 'refused', i.refused, 'skipped', i.skipped, 'error', i.error,
  'created_at', i.created_at, 'started_at', i.started_at, 'finished_at', i.finished_at"""
IMPORT_READ = Read(f"""select {IMPORT_JSON},
  'refusals', coalesce((select json_agg(json_build_object('location', r.location,
    'reason', r.reason) order by r.seq) from listening_import_refusals r
    where r.import_id = i.id), '[]'::json))::text
from listening_imports i where i.id = %(id)s and i.user_id = (select auth.uid())""")  # noqa: S608
"""One of your imports: its counts, progress, and every refused row with its reason."""
IMPORTS_READ = Read(f"""select coalesce(json_agg({IMPORT_JSON})
  order by i.created_at desc, i.id desc), '[]'::json)::text from (select * from listening_imports i
  where i.user_id = (select auth.uid()) order by i.created_at desc, i.id desc limit 100) i""")  # noqa: S608


async def read_import(read: ReadSession, import_id: uuid.UUID) -> str:
    found = await read.one(IMPORT_READ, id=import_id)
    if found is None:
        raise NotFound(f"No import {import_id}")
    return found


async def list_imports(read: ReadSession) -> str:
    """Your 100 newest imports (without their refusals)."""
    return f'{{"items":{await read.one(IMPORTS_READ) or "[]"}}}'


IMPORT_SQL = f"""select {IMPORT_JSON}, 'refusals', '[]'::json)::text
from listening_imports i where i.id = :id"""  # noqa: S608


async def import_json(session: AsyncSession, import_id: uuid.UUID) -> str:
    """A just-created import as ImportDetail JSON, read in the caller's transaction."""
    return str(await session.scalar(text(IMPORT_SQL), {"id": import_id}))
