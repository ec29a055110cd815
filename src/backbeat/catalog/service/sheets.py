"""Split sheets: immutable versions, the one in force at an instant, consent, payees."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.errors import InvalidSplit
from backbeat.catalog.models import Payee, SplitApproval, SplitEntry, SplitVersion
from backbeat.catalog.schemas import EntryIn, EntryOut, SheetHistoryOut, SheetIn, SheetOut
from backbeat.catalog.service import audit
from backbeat.catalog.service.access import owned_track, visible_track
from backbeat.catalog.service.presets import preset_lines
from backbeat.catalog.shares import (
    InvalidShare,
    PayeeRef,
    SplitLine,
    format_percentage,
    resolve_lines,
)
from backbeat.catalog.vocabulary import Role, SheetKind, SheetStatus
from backbeat.errors import Forbidden, NotFound, Unprocessable

DEFAULT_ROLE = {SheetKind.COMPOSITION: Role.COMPOSER, SheetKind.PRODUCTION: Role.PRODUCER}


def requested_lines(
    entries: list[EntryIn], split: str | None, default_role: Role
) -> list[SplitLine]:
    """A request's entries as validated lines; a split that breaks a rule is a 422."""
    try:
        return resolve_lines(entries, split, default_role)
    except InvalidShare as exc:
        raise InvalidSplit(str(exc)) from None


async def payee_ids(session: AsyncSession, payees: list[PayeeRef]) -> list[uuid.UUID]:
    """The payee row of each user or wallet, created on first use (one round trip)."""
    rows = await session.execute(
        text(
            "select catalog_payee_id(u, w) from unnest(cast(:users as uuid[]), "
            "cast(:wallets as text[])) with ordinality as x(u, w, n) order by n"
        ),
        {"users": [p.user_id for p in payees], "wallets": [p.wallet for p in payees]},
    )
    return [row[0] for row in rows]


async def write_version(
    session: AsyncSession,
    track_id: uuid.UUID,
    sheet: SheetKind,
    lines: list[SplitLine],
    *,
    actor: uuid.UUID,
    effective_from: datetime | None,
    consent_required: bool,
) -> SheetOut:
    """A new immutable version (the caller holds the track's lock); audited."""
    now = await session.scalar(select(func.now()))
    assert now is not None
    starts = _effective_from(effective_from, now)
    before = await sheet_at(session, track_id, sheet, now)
    number = await session.scalar(
        select(func.coalesce(func.max(SplitVersion.version), 0) + 1).where(
            SplitVersion.track_id == track_id, SplitVersion.sheet == sheet
        )
    )
    await session.execute(
        update(SplitVersion)
        .where(SplitVersion.track_id == track_id, SplitVersion.sheet == sheet)
        .where(SplitVersion.status == SheetStatus.PENDING)
        .values(status=SheetStatus.SUPERSEDED)
    )
    version = SplitVersion(
        track_id=track_id,
        sheet=sheet,
        version=number,
        effective_from=starts,
        status=SheetStatus.PENDING if consent_required else SheetStatus.ACTIVE,
        created_by=actor,
    )
    session.add(version)
    await session.flush()
    ids = await payee_ids(session, [line.payee for line in lines])
    session.add_all(
        SplitEntry(
            version_id=version.id,
            position=i,
            payee_id=pid,
            role=line.role,
            share_ppm=line.share_ppm,
        )
        for i, (line, pid) in enumerate(zip(lines, ids, strict=True))
    )
    await session.flush()
    if consent_required:
        await _approve_as_author(session, version.id, lines, actor)
    written = await _sheet_of(session, version.id)
    await audit.record(
        session,
        track_id,
        actor=actor,
        action=f"splits.{sheet}",
        before=before.model_dump() if before else None,
        after=written.model_dump(),
    )
    return written


def _effective_from(requested: datetime | None, now: datetime) -> datetime:
    """Now, a future instant, or a past one: royalties restate what was allocated since then."""
    if requested is None:
        return now
    if requested.tzinfo is None:
        raise Unprocessable("effective_from needs a time zone")
    return requested


async def _approve_as_author(
    session: AsyncSession, version_id: uuid.UUID, lines: list[SplitLine], actor: uuid.UUID
) -> None:
    """The author of a version approves it by writing it; then it activates if nobody else must."""
    if any(line.payee.user_id == actor for line in lines):
        session.add(SplitApproval(version_id=version_id, user_id=actor))
        await session.flush()
    await session.execute(text("select catalog_try_activate(:v)"), {"v": version_id})


async def put_sheet(
    session: AsyncSession,
    track_id: uuid.UUID,
    sheet: SheetKind,
    body: SheetIn,
    *,
    actor: uuid.UUID,
    consent_required: bool,
) -> SheetOut:
    """PUT …/splits/{sheet}: entries, an equal split, or a preset → the new version."""
    await owned_track(session, track_id, actor, lock=True)
    lines = await lines_for(session, body, sheet, actor=actor)
    return await write_version(
        session,
        track_id,
        sheet,
        lines,
        actor=actor,
        effective_from=body.effective_from,
        consent_required=consent_required,
    )


async def lines_for(
    session: AsyncSession, body: SheetIn, sheet: SheetKind, *, actor: uuid.UUID
) -> list[SplitLine]:
    """The lines a sheet request asks for: a preset's or its own entries."""
    if (body.preset_id is None) == (body.entries is None):
        raise Unprocessable("give either entries or preset_id")
    if body.preset_id is not None:
        return await preset_lines(session, body.preset_id, DEFAULT_ROLE[sheet], actor=actor)
    return requested_lines(body.entries or [], body.split, DEFAULT_ROLE[sheet])


async def in_force_ids(
    session: AsyncSession, track_id: uuid.UUID, at: datetime
) -> dict[str, uuid.UUID]:
    """The version in force for each sheet at `at`: one query on a partial index."""
    rows = await session.execute(
        select(SplitVersion.sheet, SplitVersion.id)
        .where(SplitVersion.track_id == track_id, SplitVersion.status == SheetStatus.ACTIVE)
        .where(SplitVersion.effective_from <= at)
        .order_by(
            SplitVersion.sheet, SplitVersion.effective_from.desc(), SplitVersion.version.desc()
        )
        .distinct(SplitVersion.sheet)
    )
    return {sheet: version_id for sheet, version_id in rows}


async def sheet_at(
    session: AsyncSession, track_id: uuid.UUID, sheet: SheetKind, at: datetime
) -> SheetOut | None:
    """One sheet as in force at an instant."""
    version_id = (await in_force_ids(session, track_id, at)).get(sheet)
    return await _sheet_of(session, version_id) if version_id else None


async def _sheets_of(session: AsyncSession, version_ids: list[uuid.UUID]) -> list[SheetOut]:
    """Versions with their entries, in the given order."""
    versions = {
        v.id: v
        for v in await session.scalars(
            select(SplitVersion)
            .where(SplitVersion.id.in_(version_ids))
            .execution_options(populate_existing=True)
        )
    }
    rows = await session.execute(
        select(
            SplitEntry.version_id,
            SplitEntry.role,
            SplitEntry.share_ppm,
            Payee.user_id,
            Payee.wallet,
        )
        .join(Payee, Payee.id == SplitEntry.payee_id)
        .where(SplitEntry.version_id.in_(version_ids))
        .order_by(SplitEntry.version_id, SplitEntry.position)
    )
    entries: dict[uuid.UUID, list[EntryOut]] = {vid: [] for vid in version_ids}
    for version_id, role, share, user_id, wallet in rows:
        payee = PayeeRef(user_id=user_id, wallet=wallet)
        entries[version_id].append(
            EntryOut(payee=str(payee), share=format_percentage(share), role=role)
        )
    return [
        SheetOut(
            version=versions[vid].version,
            effective_from=versions[vid].effective_from,
            status=SheetStatus(versions[vid].status),
            entries=entries[vid],
        )
        for vid in version_ids
    ]


async def _sheet_of(session: AsyncSession, version_id: uuid.UUID) -> SheetOut:
    return (await _sheets_of(session, [version_id]))[0]


async def get_sheets(
    session: AsyncSession, track_id: uuid.UUID, *, at: datetime | None
) -> dict[str, SheetOut | None]:
    """Both sheets in force now or at `at`."""
    await visible_track(session, track_id)
    moment = at or await session.scalar(select(func.now()))
    assert moment is not None
    ids = await in_force_ids(session, track_id, moment)
    found = dict(zip(ids, await _sheets_of(session, list(ids.values())), strict=True))
    return {kind.value: found.get(kind.value) for kind in SheetKind}


async def sheet_history(session: AsyncSession, track_id: uuid.UUID) -> SheetHistoryOut:
    """Every version of both sheets, oldest first, pending and superseded ones included."""
    await visible_track(session, track_id)
    rows = await session.execute(
        select(SplitVersion.sheet, SplitVersion.id)
        .where(SplitVersion.track_id == track_id)
        .order_by(SplitVersion.sheet, SplitVersion.version)
    )
    by_sheet: dict[str, list[uuid.UUID]] = {kind.value: [] for kind in SheetKind}
    for sheet, version_id in rows:
        by_sheet[sheet].append(version_id)
    return SheetHistoryOut(
        composition=await _sheets_of(session, by_sheet["composition"]),
        production=await _sheets_of(session, by_sheet["production"]),
    )


async def approve_version(
    session: AsyncSession, track_id: uuid.UUID, sheet: SheetKind, number: int, *, actor: uuid.UUID
) -> SheetOut:
    """A user payee consents to a pending version; the last consent activates it."""
    await visible_track(session, track_id)
    version = await session.scalar(
        select(SplitVersion).where(
            SplitVersion.track_id == track_id,
            SplitVersion.sheet == sheet,
            SplitVersion.version == number,
        )
    )
    if version is None:
        raise NotFound(f"No {sheet} version {number} on track {track_id}")
    if version.status != SheetStatus.PENDING:
        return await _sheet_of(session, version.id)
    if not await _is_payee(session, version.id, actor):
        raise Forbidden("Only a payee of this version can approve it")
    await session.execute(
        text(
            "insert into catalog_split_approvals (version_id, user_id) values (:v, :u) "
            "on conflict do nothing"
        ),
        {"v": version.id, "u": actor},
    )
    return await _sheet_of(session, version.id)


async def _is_payee(session: AsyncSession, version_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Named as a user, or through a wallet the user proved (identity_wallets)."""
    found = await session.scalar(
        text(
            "select exists (select 1 from catalog_split_entries e "
            "join catalog_payee_owners o on o.payee_id = e.payee_id "
            "where e.version_id = :v and o.user_id = :u)"
        ),
        {"v": version_id, "u": user_id},
    )
    return bool(found)
