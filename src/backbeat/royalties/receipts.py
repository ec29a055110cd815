"""A receipt as JSON: the pure engine's whole allocation of an event, as the receipt API shows it.

The receipt hash is not taken over this text: it covers the event, the plan's content address
and the credits (`distribution.receipt_hash`), which is what `verify` recomputes.
"""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from fractions import Fraction

from backbeat.royalties.allocation import Allocation


def _json_default(value: object) -> object:
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in fields(value)}
    raise TypeError(f"cannot encode {type(value).__name__} in a receipt")


def receipt_json(allocation: Allocation) -> str:
    """Canonical text (sorted keys, no spaces, fractions as "num/den"): one allocation, one text."""
    return json.dumps(
        allocation.receipt, default=_json_default, sort_keys=True, separators=(",", ":")
    )
