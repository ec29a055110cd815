"""HTTP routes of bands (following one is the library's `PUT /v1/me/following/band/{id}`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from backbeat.edge import AppSettings, DbSession
from backbeat.identity.auth import CurrentUser
from backbeat.taste.band_schemas import BandIn, BandOut, BandPatch, BandTrackIn, SimilarBands
from backbeat.taste.service import bands

router = APIRouter(prefix="/v1", tags=["bands"])


@router.post("/bands", status_code=status.HTTP_201_CREATED, response_model=BandOut)
async def create_band(
    body: BandIn, session: DbSession, settings: AppSettings, user: CurrentUser
) -> BandOut:
    """A band of your generated tracks; name and bio are made from its style when not given."""
    return await bands.create_band(session, settings, body, actor=user.user_id)


@router.get("/bands/{band_id}", response_model=BandOut)
async def get_band(band_id: uuid.UUID, session: DbSession) -> BandOut:
    """A public band, or one of yours."""
    return await bands.get_band(session, band_id)


@router.patch("/bands/{band_id}", response_model=BandOut)
async def patch_band(
    band_id: uuid.UUID, body: BandPatch, session: DbSession, user: CurrentUser
) -> BandOut:
    return await bands.patch_band(session, band_id, body, actor=user.user_id)


@router.delete("/bands/{band_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_band(band_id: uuid.UUID, session: DbSession, user: CurrentUser) -> None:
    await bands.delete_band(session, band_id, actor=user.user_id)


@router.post("/bands/{band_id}/tracks", status_code=status.HTTP_201_CREATED, response_model=BandOut)
async def add_track(
    band_id: uuid.UUID,
    body: BandTrackIn,
    session: DbSession,
    settings: AppSettings,
    user: CurrentUser,
) -> BandOut:
    """Add one of your generated tracks; the band's style takes in its embedding."""
    return await bands.add_track(session, settings, band_id, body.track_id, actor=user.user_id)


@router.delete("/bands/{band_id}/tracks/{track_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_track(
    band_id: uuid.UUID, track_id: uuid.UUID, session: DbSession, user: CurrentUser
) -> None:
    await bands.remove_track(session, band_id, track_id, actor=user.user_id)


@router.get("/bands/{band_id}/similar", response_model=SimilarBands)
async def similar_bands(
    band_id: uuid.UUID,
    session: DbSession,
    k: Annotated[int, Query(ge=1, le=bands.MAX_SIMILAR)] = 10,
) -> SimilarBands:
    """Public bands nearest in style, with a match percentage."""
    return await bands.similar_bands(session, band_id, k=k)
