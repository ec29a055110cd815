"""Every domain's models, imported once: the registry Alembic and the tests read."""

from backbeat.billing import models as billing
from backbeat.billing import webhook_models as billing_webhooks
from backbeat.catalog import models as catalog
from backbeat.db import Base
from backbeat.identity import models as identity
from backbeat.library import models as library
from backbeat.listening import models as listening
from backbeat.media import models as media
from backbeat.offerings import coin_models as offerings_coins
from backbeat.offerings import models as offerings
from backbeat.realtime_store import RealtimePayload
from backbeat.royalties import models as royalties
from backbeat.studio import models as studio
from backbeat.taste import creations_models as creations
from backbeat.taste import models as taste

metadata = Base.metadata

__all__ = [
    "RealtimePayload",
    "billing",
    "billing_webhooks",
    "catalog",
    "creations",
    "identity",
    "library",
    "listening",
    "media",
    "metadata",
    "offerings",
    "offerings_coins",
    "royalties",
    "studio",
    "taste",
]
