"""ip_tracks_with_attribution: the seed's row shape, column by column, from the sheets in force."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.schemas import SheetIn, TrackIn, TrackOut
from backbeat.catalog.service import create_track, delete_track, put_sheet
from backbeat.catalog.vocabulary import SheetKind
from backbeat.identity.service.accounts import create_user
from tests.catalog.factories import wallet

EVM = "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"
NO_SPLIT = {"wallet": None, "percentage": Decimal(0)}


async def view_row(session: AsyncSession, track_id: uuid.UUID) -> dict[str, Any]:
    query = text("select * from ip_tracks_with_attribution where id = :id")
    return dict((await session.execute(query, {"id": track_id})).mappings().one())


def slots(row: dict[str, Any], sheet: str) -> list[dict[str, Any]]:
    """The seed's three `<sheet>_split_N_wallet` / `_percentage` column pairs of a row."""
    return [
        {
            "wallet": row[f"{sheet}_split_{n}_wallet"],
            "percentage": row[f"{sheet}_split_{n}_percentage"],
        }
        for n in (1, 2, 3)
    ]


async def remix_with_four_payees(session: AsyncSession) -> tuple[uuid.UUID, TrackOut, TrackOut]:
    """An owner, a parent track without sheets, and a remix of it with splits and credits."""
    owner = await create_user(session, email=None, username="view_owner", password=None)
    parent = await create_track(
        session,
        TrackIn(title="Original", artist="Ana", sample_type="vocals"),
        actor=owner.id,
        consent_required=False,
    )
    body = {
        "title": "Night Drive (Remix)",
        "artist": "Luna",
        "description": "A remix.",
        "tags": ["lofi", "House"],
        "sample_type": "beats",
        "loop_category": "drums",
        "isrc": "US-S1Z-99-00001",
        "social_urls": {"x": "https://x.example/luna"},
        "contact_info": {"email": "luna@example.com"},
        "splits": {
            "composition": {
                "entries": [
                    {"payee": f"user:{owner.id}", "share": "40"},
                    {"payee": wallet("a"), "share": "30"},
                    {"payee": wallet("b"), "share": "20.5"},
                    {"payee": wallet("c"), "share": "9.5"},
                ]
            },
            "production": {"entries": [{"payee": EVM, "share": "100"}]},
        },
        "parents": [{"parent_id": str(parent.id), "share": "25"}],
        "credits": [{"name": "Mix Engineer", "role": "engineer"}],
    }
    remix = await create_track(
        session, TrackIn.model_validate(body), actor=owner.id, consent_required=False
    )
    return owner.id, parent, remix


class TestSeedView:
    async def test_holds_the_seed_columns_of_a_track_with_splits_parents_and_credits(
        self, session: AsyncSession
    ) -> None:
        owner, _, remix = await remix_with_four_payees(session)
        row = await view_row(session, remix.id)
        user, a, b, c = (f"user:{owner}", *(f"stacks:1:{wallet(s)}" for s in "abc"))
        assert row == {
            "id": remix.id,
            "title": "Night Drive (Remix)",
            "artist": "Luna",
            "description": "A remix.",
            "tags": ["lofi", "house"],
            "sample_type": "beats",
            "loop_category": "drums",
            "isrc": "USS1Z9900001",
            "social_urls": {"x": "https://x.example/luna"},
            "contact_info": {"email": "luna@example.com"},
            "composition_split_1_wallet": user,
            "composition_split_1_percentage": Decimal("40.0000"),
            "composition_split_2_wallet": a,
            "composition_split_2_percentage": Decimal("30.0000"),
            "composition_split_3_wallet": b,
            "composition_split_3_percentage": Decimal("20.5000"),
            "production_split_1_wallet": f"eip155:1:{EVM}",
            "production_split_1_percentage": Decimal("100.0000"),
            "production_split_2_wallet": None,
            "production_split_2_percentage": Decimal(0),
            "production_split_3_wallet": None,
            "production_split_3_percentage": Decimal(0),
            "cover_image_url": None,
            "audio_url": None,
            "created_at": remix.created_at,
            "updated_at": remix.updated_at,
            "created_by": str(owner),
            "composition_splits": [
                {"wallet": user, "percentage": 40},
                {"wallet": a, "percentage": 30},
                {"wallet": b, "percentage": 20.5},
                {"wallet": c, "percentage": 9.5},
            ],
            "production_splits": [{"wallet": f"eip155:1:{EVM}", "percentage": 100}],
        }

    async def test_names_the_creator_of_a_track_without_sheets_as_a_user_payee(
        self, session: AsyncSession
    ) -> None:
        owner, parent, _ = await remix_with_four_payees(session)
        row = await view_row(session, parent.id)
        everything = {"wallet": f"user:{owner}", "percentage": Decimal("100.0000")}
        for sheet in ("composition", "production"):
            assert slots(row, sheet) == [everything, NO_SPLIT, NO_SPLIT]
            assert row[f"{sheet}_splits"] == [{"wallet": f"user:{owner}", "percentage": 100}]
        assert (row["description"], row["tags"], row["contact_info"]) == (None, [], {})

    async def test_shows_the_version_in_force_and_no_deleted_track(
        self, session: AsyncSession
    ) -> None:
        owner, parent, remix = await remix_with_four_payees(session)
        now = await session.scalar(select(func.now()))
        assert now is not None
        later = SheetIn.model_validate(
            {
                "entries": [{"payee": wallet("d"), "share": "100"}],
                "effective_from": now + timedelta(days=1),
            }
        )
        await put_sheet(
            session, remix.id, SheetKind.PRODUCTION, later, actor=owner, consent_required=False
        )
        row = await view_row(session, remix.id)
        assert row["production_split_1_wallet"] == f"eip155:1:{EVM}"
        await delete_track(session, parent.id, actor=owner)
        gone = text("select count(*) from ip_tracks_with_attribution where id = :id")
        assert await session.scalar(gone, {"id": parent.id}) == 0
