"""Every domain's models, imported once: the registry Alembic and the tests read."""

from backbeat.db import Base
from backbeat.media.models import AudioFile, Blob, Bucket, MediaObject, Upload
from backbeat.realtime_store import RealtimePayload

metadata = Base.metadata

__all__ = ["AudioFile", "Blob", "Bucket", "MediaObject", "RealtimePayload", "Upload", "metadata"]
