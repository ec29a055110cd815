"""The library's domain errors; `code` is the snake_case class name."""

from __future__ import annotations

from backbeat.errors import Conflict, Forbidden, Unprocessable


class CannotFollowSelf(Unprocessable):
    """A user cannot follow themselves."""

    title = "Cannot follow yourself"


class NotACreator(Unprocessable):
    """Only a user with the artist role or a public track can be followed as a creator."""

    title = "Not a creator"


class NotAllowedOnPlaylist(Forbidden):
    """Only the owner (and, on a collaborative playlist, its members) may change it."""

    title = "Not allowed on this playlist"


class BadNeighbours(Conflict):
    """`before`/`after` name items that are not neighbours in this playlist (or not in it)."""

    title = "Bad neighbours"
