"""Every domain's models, imported once: the registry Alembic and the tests read."""

from backbeat.db import Base
from backbeat.realtime_store import RealtimePayload

metadata = Base.metadata

__all__ = ["RealtimePayload", "metadata"]
