"""The catalog's use cases, one module each; import this package as `catalog`."""

from backbeat.catalog.service.audit import list_history
from backbeat.catalog.service.credits import credits_of, replace_credits
from backbeat.catalog.service.imports import import_tracks
from backbeat.catalog.service.lineage import add_parent, lineage, parent_edges, remove_parent
from backbeat.catalog.service.presets import create_preset, delete_preset, list_presets
from backbeat.catalog.service.search import SearchQuery, creator_store, search_tracks
from backbeat.catalog.service.sheets import approve_version, get_sheets, put_sheet, sheet_history
from backbeat.catalog.service.track_json import read_track
from backbeat.catalog.service.tracks import create_track, delete_track, patch_track

__all__ = [
    "SearchQuery",
    "add_parent",
    "approve_version",
    "create_preset",
    "create_track",
    "creator_store",
    "credits_of",
    "delete_preset",
    "delete_track",
    "get_sheets",
    "import_tracks",
    "lineage",
    "list_history",
    "list_presets",
    "parent_edges",
    "patch_track",
    "put_sheet",
    "read_track",
    "remove_parent",
    "replace_credits",
    "search_tracks",
    "sheet_history",
]
