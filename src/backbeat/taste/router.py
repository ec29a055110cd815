"""HTTP routes of taste: embedding models and vectors, the taste profile, taste, recommendations."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from backbeat.catalog.vocabulary import SampleType
from backbeat.edge import AppSettings, DbRead, DbSession, json_text
from backbeat.errors import Forbidden
from backbeat.identity.auth import Caller, CurrentUser, scoped_caller
from backbeat.taste.schemas import (
    EmbeddingModelIn,
    EmbeddingModelOut,
    ModelName,
    Recommendations,
    TasteOut,
    TasteProfileIn,
    TasteProfileOut,
    TrackVectorIn,
    TrackVectorOut,
)
from backbeat.taste.service import embeddings, profiles
from backbeat.taste.service import recommendations as recs
from backbeat.taste.service.embeddings import AUDIO_MODEL, TrackFilters

router = APIRouter(prefix="/v1", tags=["taste"])
Model = Annotated[ModelName, Query()]
K = Annotated[int, Query(ge=1, le=100)]
Bpm = Annotated[float | None, Query(gt=0, lt=1000)]
Key = Annotated[str | None, Query(max_length=20)]
EmbeddingWriter = Annotated[Caller, Depends(scoped_caller("embeddings:write"))]


def track_filters(
    sample_type: SampleType | None = None,
    bpm_min: Bpm = None,
    bpm_max: Bpm = None,
    key: Key = None,
    derivatives: Annotated[
        bool, Query(description="Only tracks whose licence allows remixes.")
    ] = False,
) -> TrackFilters:
    """The optional filters of a recommendation query."""
    kind = sample_type.value if sample_type is not None else None
    return TrackFilters(kind, bpm_min, bpm_max, key, derivatives)


Filters = Annotated[TrackFilters, Depends(track_filters)]


@router.get("/embedding-models", response_model=list[EmbeddingModelOut])
async def list_models(session: DbSession) -> list[EmbeddingModelOut]:
    """Every embedding model: name, version, dimension."""
    models = await embeddings.list_models(session)
    return [EmbeddingModelOut.model_validate(m, from_attributes=True) for m in models]


@router.post(
    "/embedding-models", response_model=EmbeddingModelOut, status_code=status.HTTP_201_CREATED
)
async def register_model(
    body: EmbeddingModelIn, session: DbSession, user: CurrentUser
) -> EmbeddingModelOut:
    """Register an external model (admins): its dimension is fixed, its HNSW index made."""
    if user.role != "admin":
        raise Forbidden("Only an admin can register an embedding model.")
    model = await embeddings.register_model(session, **body.model_dump())
    return EmbeddingModelOut.model_validate(model, from_attributes=True)


@router.put("/tracks/{track_id}/embeddings/{model}", response_model=TrackVectorOut)
async def put_vector(
    track_id: uuid.UUID,
    model: ModelName,
    body: TrackVectorIn,
    session: DbSession,
    caller: EmbeddingWriter,
) -> TrackVectorOut:
    """Push a track's vector (an admin, or the track's owner; a PAT needs `embeddings:write`).
    A vector of the wrong length is a 422; it is stored L2-normalised."""
    stored = await embeddings.put_track_vector(
        session,
        track_id,
        model,
        body.vector,
        may_embed_any=caller.role == "admin",
        actor=caller.user_id,
    )
    return TrackVectorOut(
        track_id=track_id, model=model, dimension=len(body.vector), updated_at=stored
    )


@router.get("/me/taste-profile", response_model=TasteProfileOut)
async def my_profile(session: DbSession, user: CurrentUser) -> TasteProfileOut:
    """What you said you like at onboarding."""
    return await profiles.get_profile(session, actor=user.user_id)


@router.patch("/me/taste-profile", response_model=TasteProfileOut)
async def change_profile(
    body: TasteProfileIn, session: DbSession, user: CurrentUser, settings: AppSettings
) -> TasteProfileOut:
    """Change the fields you name; your taste is reseeded at once."""
    return await profiles.update_profile(
        session, body, actor=user.user_id, half_life_days=settings.taste_half_life_days
    )


@router.get("/me/taste", response_model=TasteOut)
async def my_taste(
    read: DbRead, user: CurrentUser, settings: AppSettings, model: Model = AUDIO_MODEL
) -> Response:
    """Your taste in a model: when it last changed, from what, and its strongest influences."""
    return json_text(
        await recs.taste_summary(read, model, half_life_days=settings.taste_half_life_days)
    )


@router.get("/me/recommendations", response_model=Recommendations)
async def my_recommendations(
    read: DbRead,
    user: CurrentUser,
    settings: AppSettings,
    filters: Filters,
    model: Model = AUDIO_MODEL,
    k: K = 20,
) -> Response:
    """The k public tracks nearest your taste that you have not heard lately, disliked or made;
    k whenever k exist, each with a match and the tracks it is there because of."""
    ask = recs.Ask(model, k, filters)
    body = await recs.recommendations(
        read,
        ask,
        recent_days=settings.taste_recent_days,
        half_life_days=settings.taste_half_life_days,
    )
    return json_text(body)


@router.get("/tracks/{track_id}/similar", response_model=Recommendations)
async def similar_tracks(
    track_id: uuid.UUID, read: DbRead, filters: Filters, model: Model = AUDIO_MODEL, k: K = 20
) -> Response:
    """The k public tracks that sound nearest this one (in the model you name)."""
    return json_text(await recs.similar(read, track_id, recs.Ask(model, k, filters)))
