"""NFT metadata documents and their CIDs; the pure tier resolution."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.media.cid import cid_v1_raw
from backbeat.offerings.tiers import DEFAULT_TIERS, TierError, TierSpec, resolve_tiers, tier_of
from tests.offerings.factories import listed_offering
from tests.royalties.factories import account


class TestMetadata:
    async def test_a_share_token_has_erc721_metadata_with_ipfs_uris(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist = await account(client, session)
        track, _ = await listed_offering(client, session, artist)
        await session.execute(
            text(
                "update offerings_masters set genre = 'house', audio_cid = 'bafkaudio', "
                "cover_cid = 'bafkcover' where track_id = :t; "
            ),
            {"t": track.id},
        )
        await session.execute(
            text("update catalog_tracks set bpm = 124 where id = :t"), {"t": track.id}
        )
        found = await client.get(f"/v1/masters/{track.id}/shares/12/metadata")
        assert found.status_code == 200, found.text
        body = found.json()
        assert body["name"] == "Song #12"
        assert (body["image"], body["animation_url"]) == ("ipfs://bafkcover", "ipfs://bafkaudio")
        traits = {a["trait_type"]: a["value"] for a in body["attributes"]}
        assert traits == {"Genre": "house", "BPM": 124, "Tier": 2, "Royalty": "0.125%"}
        document = {k: v for k, v in body.items() if k != "cid"}
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert body["cid"] == cid_v1_raw(hashlib.sha256(canonical.encode()).digest())
        missing = await client.get(f"/v1/masters/{track.id}/shares/999/metadata")
        assert missing.status_code == 404

    async def test_the_collection_has_erc7572_metadata(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist = await account(client, session)
        track, _ = await listed_offering(client, session, artist)
        body = (await client.get(f"/v1/masters/{track.id}/contract-metadata")).json()
        assert body["symbol"] == "SONG" and body["collaborators"] == [f"user:{artist.user.id}"]


class TestTiers:
    def test_defaults_cover_a_thousand_shares(self) -> None:
        ranges = resolve_tiers(DEFAULT_TIERS, 1000)
        assert [(r.first, r.last, r.pool_ppm) for r in ranges] == [
            (1, 10, 100_000),
            (11, 50, 50_000),
            (51, 100, 30_000),
            (101, 1000, 10_000),
        ]
        assert [tier_of(ranges, t) for t in (1, 10, 11, 100, 101, 1000)] == [1, 1, 2, 3, 4, 4]

    @pytest.mark.parametrize(
        ("specs", "field"),
        [
            ([TierSpec(5, "101")], "tiers[0].pool"),
            ([TierSpec(5, "abc"), TierSpec(None, "1")], "tiers[0].pool"),
            ([TierSpec(0, "1"), TierSpec(None, "1")], "tiers[0].count"),
            ([TierSpec(11, "1")], "tiers[0].count"),
            ([TierSpec(5, "1")], "tiers"),
            ([], "tiers"),
        ],
    )
    def test_errors_name_the_field(self, specs: list[TierSpec], field: str) -> None:
        with pytest.raises(TierError) as caught:
            resolve_tiers(specs, 10)
        assert caught.value.field == field
