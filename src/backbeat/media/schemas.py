"""Media API shapes: objects, uploads, audio files, signed URLs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backbeat.media.models import AudioFile, MediaObject, Upload


class UploadOut(BaseModel):
    """An upload's place in the pipeline."""

    id: uuid.UUID
    bucket: str
    path: str
    protocol: str
    state: str
    progress: int = Field(
        description="analysing 0–20, compressing 20–50, storing 50–80, finalising 80–95, done 100"
    )
    offset: int
    length: int | None
    object_id: uuid.UUID | None
    failure_code: str | None
    failure_reason: str | None
    expires_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, upload: Upload) -> UploadOut:
        return cls.model_validate(upload, from_attributes=True)


class ObjectOut(BaseModel):
    """A stored object; sha256 and cid address its bytes."""

    id: uuid.UUID
    bucket: str
    path: str
    size: int
    sha256: str
    cid: str
    content_type: str
    metadata: dict[str, Any]
    audio_file_id: uuid.UUID | None
    upload_id: uuid.UUID | None
    created_at: datetime

    @classmethod
    def of(cls, stored: MediaObject, audio_file_id: uuid.UUID | None) -> ObjectOut:
        return cls(
            id=stored.id,
            bucket=stored.bucket,
            path=stored.path,
            size=stored.size,
            sha256=stored.sha256,
            cid=stored.cid,
            content_type=stored.content_type,
            metadata=stored.metadata_,
            audio_file_id=audio_file_id,
            upload_id=stored.upload_id,
            created_at=stored.created_at,
        )


class UploadedObjectOut(ObjectOut):
    """The multipart answer: the object and the upload that produced it."""

    upload: UploadOut

    @classmethod
    def of_upload(
        cls, stored: MediaObject, audio_file_id: uuid.UUID | None, upload: Upload
    ) -> UploadedObjectOut:
        out = ObjectOut.of(stored, audio_file_id)
        return cls(**out.model_dump(), upload=UploadOut.of(upload))


class ObjectPage(BaseModel):
    """A page of objects and the cursor for the next one."""

    items: list[ObjectOut]
    next_cursor: str | None


class SignedUrlIn(BaseModel):
    """What to sign and for how long."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1, max_length=1024)
    expires_in: int | None = Field(default=None, ge=1)


class SignedUrlOut(BaseModel):
    """A URL anyone holding it can download until expires_at."""

    url: str
    expires_at: datetime


class AudioFileOut(BaseModel):
    """Decoded facts and analysis results; waveform is [min, max] per bucket."""

    id: uuid.UUID
    object_id: uuid.UUID
    duration_seconds: float | None
    sample_rate: int | None
    bit_depth: int | None
    channels: int | None
    format: str | None
    loudness_lufs: float | None
    true_peak_dbtp: float | None
    bpm: float | None
    key: str | None
    parent_file_id: uuid.UUID | None
    stem_type: str | None
    analysis_status: str
    waveform: list[list[float]] | None

    @classmethod
    def of(cls, audio: AudioFile, waveform: list[list[float]] | None) -> AudioFileOut:
        return cls(
            id=audio.id,
            object_id=audio.object_id,
            duration_seconds=audio.duration_seconds,
            sample_rate=audio.sample_rate,
            bit_depth=audio.bit_depth,
            channels=audio.channels,
            format=audio.format,
            loudness_lufs=audio.loudness_lufs,
            true_peak_dbtp=audio.true_peak_dbtp,
            bpm=audio.bpm,
            key=audio.key,
            parent_file_id=audio.parent_file_id,
            stem_type=audio.stem_type,
            analysis_status=audio.analysis_status,
            waveform=waveform,
        )
