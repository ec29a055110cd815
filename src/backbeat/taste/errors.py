"""The taste domain's errors; `code` is the snake_case class name."""

from __future__ import annotations

from backbeat.errors import Conflict, Forbidden, NotFound, Unprocessable


class UnknownModel(NotFound):
    """No embedding model has that name."""

    title = "Unknown embedding model"


class ModelExists(Conflict):
    """An embedding model with that name is already registered."""

    title = "Embedding model exists"


class WrongDimension(Unprocessable):
    """A vector whose length is not its model's dimension."""

    title = "Wrong vector dimension"


class NotAllowedToEmbed(Forbidden):
    """Only an admin, or the track's owner, may push a track's vector."""

    title = "Not allowed to push this vector"


class NoTaste(NotFound):
    """The user has no taste vector in that model yet (no listens, likes or profile)."""

    title = "No taste yet"


class NoEmbedding(NotFound):
    """The track has no vector in that model yet."""

    title = "No embedding"
