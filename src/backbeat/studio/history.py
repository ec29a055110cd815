"""A project's history as patches with checkpoints: which versions carry a full document, and how
any version is rebuilt from the checkpoint before it (pure: values in, values out)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from backbeat.studio.documents import Json, apply_patch


@dataclass(frozen=True)
class StoredVersion:
    """One row of history: the patch from its predecessor, and a checkpoint on some versions."""

    version: int
    patch: list[dict[str, Any]] | None
    checkpoint: Json | None


def is_checkpoint(version: int, every: int) -> bool:
    """Version 1 and every `every`-th version store the whole document."""
    return version == 1 or version % every == 0


def rebuild(rows: Sequence[StoredVersion], version: int) -> Json:
    """The document of `version` from rows running from a checkpoint up to it, in order."""
    if not rows or rows[0].checkpoint is None or rows[-1].version != version:
        raise ValueError(f"history rows do not lead from a checkpoint to version {version}")
    document = copy.deepcopy(rows[0].checkpoint)
    for row in rows[1:]:
        if row.patch is None:
            raise ValueError(f"version {row.version} has no patch")
        document = apply_patch(document, row.patch, in_place=True)
    return document
