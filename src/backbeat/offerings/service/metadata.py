"""NFT metadata: ERC-721 JSON for each share and ERC-7572 JSON for the collection.

Both are deterministic documents of the master (locked CIDs as `ipfs://` URIs, genre, BPM) and
the share's tier; `cid` is the IPFS CIDv1 (raw, sha2-256) of the document's canonical JSON
without the `cid` key, so the same bytes can be pinned and the token URI verified.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.service.access import visible_track
from backbeat.media.cid import cid_v1_raw
from backbeat.offerings.errors import UnknownShare
from backbeat.offerings.models import Master
from backbeat.offerings.schemas import ContractMetadataOut, NftAttribute, NftMetadataOut
from backbeat.offerings.tiers import TierRange, pool_per_share_percent

SHARE_SQL = """
select s.token, s.tier, t.first_token, t.last_token, t.pool_ppm, o.total_supply
from offerings_shares s
join offerings_offerings o on o.id = s.offering_id
join offerings_tiers t on t.offering_id = o.id and t.tier = s.tier
where s.track_id = :track and s.token = :token
"""


def _ipfs(cid: str | None) -> str | None:
    return f"ipfs://{cid}" if cid else None


def document_cid(document: dict[str, Any]) -> str:
    """The CID of the canonical JSON (sorted keys, no spaces, UTF-8) of the document."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return cid_v1_raw(hashlib.sha256(canonical.encode()).digest())


def _bpm(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


async def share_metadata(session: AsyncSession, track_id: uuid.UUID, token: int) -> NftMetadataOut:
    """ERC-721 metadata of one share token."""
    track = await visible_track(session, track_id)
    row = (
        await session.execute(text(SHARE_SQL), {"track": track_id, "token": token})
    ).one_or_none()
    if row is None:
        raise UnknownShare(f"no share {token} of {track_id}")
    master = await session.get(Master, track_id)
    tier = TierRange(row.tier, row.first_token, row.last_token, row.pool_ppm)
    attributes = [
        NftAttribute(trait_type="Genre", value=master.genre if master else None),
        NftAttribute(trait_type="BPM", value=_bpm(track.bpm), display_type="number"),
        NftAttribute(trait_type="Tier", value=row.tier, display_type="number"),
        NftAttribute(trait_type="Royalty", value=f"{pool_per_share_percent(tier)}%"),
    ]
    document = {
        "name": f"{track.title} #{row.token}",
        "description": (
            f'Share {row.token} of {row.total_supply} of the master "{track.title}" by '
            f"{track.artist}: tier {row.tier}, earning {pool_per_share_percent(tier)} % of the "
            "track's own royalties."
        ),
        "image": _ipfs(master.cover_cid if master else None),
        "animation_url": _ipfs(master.audio_cid if master else None),
        "external_url": None,
        "attributes": [a.model_dump() for a in attributes],
    }
    return NftMetadataOut(**document, cid=document_cid(document))


def _symbol(title: str) -> str:
    letters = re.sub(r"[^A-Za-z0-9]", "", title).upper()
    return (letters or "MASTER")[:8]


async def contract_metadata(session: AsyncSession, track_id: uuid.UUID) -> ContractMetadataOut:
    """ERC-7572 collection metadata of the master's shares."""
    track = await visible_track(session, track_id)
    master = await session.get(Master, track_id)
    document = {
        "name": f"{track.title} — master shares",
        "symbol": _symbol(track.title),
        "description": f'Shares of the master recording "{track.title}" by {track.artist}.',
        "image": _ipfs(master.cover_cid if master else None),
        "external_link": None,
        "collaborators": [f"user:{track.created_by}"],
    }
    return ContractMetadataOut(**document, cid=document_cid(document))
