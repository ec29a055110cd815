"""Every domain's models, imported once: the registry Alembic and the tests read."""

from backbeat.catalog import models as catalog
from backbeat.db import Base
from backbeat.identity import models as identity
from backbeat.library import models as library
from backbeat.listening import models as listening
from backbeat.media import models as media
from backbeat.offerings import models as offerings
from backbeat.realtime_store import RealtimePayload
from backbeat.royalties import models as royalties
from backbeat.studio import models as studio

metadata = Base.metadata

__all__ = [
    "RealtimePayload",
    "catalog",
    "identity",
    "library",
    "listening",
    "media",
    "metadata",
    "offerings",
    "royalties",
    "studio",
]
