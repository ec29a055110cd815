"""The catalog's domain errors; `code` is the snake_case class name."""

from __future__ import annotations

from backbeat.errors import Conflict, Unprocessable


class InvalidSplit(Unprocessable):
    """Shares that are not > 0, name a payee twice, or do not sum to exactly 100 %."""

    title = "Invalid split"


class LineageCycle(Conflict):
    """The edge would make a track its own ancestor; `path` names the loop."""

    title = "Lineage cycle"


class PresetLimit(Conflict):
    """The user already has as many split presets as the platform allows."""

    title = "Too many split presets"


class ImportRefused(Unprocessable):
    """A CSV with bad rows; nothing was imported, `errors` lists every bad row."""

    title = "Import refused"
