"""CSV import of the seed's layout: a dry run lists every bad row; a real run is all or nothing.

Re-running a file skips the rows it already imported: each row's natural key (title, artist,
ISRC) is stored per importing user, unique, so nothing is duplicated.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from pydantic import ValidationError
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.errors import ImportRefused
from backbeat.catalog.importing import ImportedTrack, RowError, parse_tracks_csv
from backbeat.catalog.models import Track
from backbeat.catalog.schemas import ImportErrorOut, ImportReport, TrackIn
from backbeat.catalog.service.tracks import create_track
from backbeat.catalog.shares import format_percentage

Progress = Callable[[int, int], None]
"""Called with (rows done, rows to do) after each created track."""


def track_in(row: ImportedTrack) -> TrackIn:
    """A parsed row as the same request body POST /v1/tracks takes."""

    def sheet(lines: tuple[tuple[object, int], ...]) -> dict[str, object]:
        return {"entries": [{"payee": str(p), "share": format_percentage(s)} for p, s in lines]}

    return TrackIn.model_validate(
        {
            "title": row.title,
            "artist": row.artist,
            "sample_type": row.sample_type.value,
            "description": row.description,
            "tags": list(row.tags),
            "loop_category": row.loop_category,
            "bpm": row.bpm,
            "key": row.key,
            "duration_seconds": row.duration_seconds,
            "isrc": row.isrc,
            "iswc": row.iswc,
            "visibility": row.visibility.value,
            "social_urls": row.social_urls,
            "contact_info": row.contact_info,
            "splits": {"composition": sheet(row.composition), "production": sheet(row.production)},
        }
    )


def _validated(rows: list[ImportedTrack], errors: list[RowError]) -> list[tuple[str, TrackIn]]:
    """Every row through the API schema too, so a dry run finds what a real run would refuse."""
    valid = []
    for row in rows:
        try:
            valid.append((row.natural_key, track_in(row)))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            errors.append(RowError(row.line, f"{where}: {first['msg']}"))
    return valid


async def import_tracks(
    session: AsyncSession,
    csv_text: str,
    *,
    actor: uuid.UUID,
    dry_run: bool,
    max_rows: int,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row; then (not a dry run, no errors) create the new ones in this transaction."""
    parsed = parse_tracks_csv(csv_text)
    errors = list(parsed.errors)
    if len(parsed.tracks) > max_rows:
        errors.insert(0, RowError(1, f"more than {max_rows} rows in one import"))
    valid = _validated(parsed.tracks, errors)
    errors.sort(key=lambda e: e.line)
    await session.execute(
        text("select pg_advisory_xact_lock(hashtextextended('catalog_import:' || :u, 0))"),
        {"u": str(actor)},
    )
    existing = set(
        await session.scalars(
            select(Track.import_key).where(
                Track.created_by == actor, Track.import_key.in_([k for k, _ in valid])
            )
        )
    )
    new = [(k, body) for k, body in valid if k not in existing]
    report = ImportReport(
        dry_run=dry_run,
        rows=len(parsed.tracks) + len([e for e in parsed.errors if e.line > 1]),
        created=len(new) if not errors else 0,
        skipped=len(valid) - len(new),
        errors=[ImportErrorOut(line=e.line, reason=e.reason) for e in errors],
    )
    if errors and not dry_run:
        raise ImportRefused(
            f"{len(errors)} bad rows; nothing was imported",
            errors=[e.model_dump() for e in report.errors],
        )
    if not dry_run:
        for done, (key, body) in enumerate(new, start=1):
            await create_track(session, body, actor=actor, consent_required=False, import_key=key)
            if progress:
                progress(done, len(new))
    return report
