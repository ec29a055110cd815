"""Demo data: each domain adds an idempotent loader; `backbeat demo load` runs them in order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing.demo import load_billing_demo
from backbeat.catalog.demo import load_catalog_demo
from backbeat.config import Settings
from backbeat.identity.demo import load_demo_users
from backbeat.library.demo import load_library_demo
from backbeat.listening.demo import load_listening_demo
from backbeat.media.demo import media_demo_loader
from backbeat.offerings.coin_demo import load_coins_demo
from backbeat.offerings.demo import load_offerings_demo
from backbeat.royalties.demo import load_royalties_demo
from backbeat.studio.demo import load_studio_demo
from backbeat.taste.demo import taste_demo_loader
from backbeat.taste.generation_demo import generation_demo_loader

DemoLoader = Callable[[AsyncSession], Awaitable[list[str]]]
"""Loads one domain's demo rows (skipping what exists) and returns lines to show the user."""


def loaders(settings: Settings) -> list[tuple[str, DemoLoader]]:
    """Every domain's loader, in dependency order (media stores files where settings say)."""
    return [
        ("identity", load_demo_users),
        ("billing", load_billing_demo),
        ("catalog", load_catalog_demo),
        ("media", media_demo_loader(settings)),
        ("royalties", load_royalties_demo),
        ("studio", load_studio_demo),
        ("listening", load_listening_demo),
        ("library", load_library_demo),
        ("taste", taste_demo_loader(settings)),
        ("coins", load_coins_demo),
        ("generations", generation_demo_loader(settings)),
        ("offerings", load_offerings_demo),
    ]


async def load_demo(
    session: AsyncSession, settings: Settings, on_step: Callable[[str], None] | None = None
) -> list[tuple[str, list[str]]]:
    """Run every loader in one transaction; returns what each reported."""
    reports = []
    for name, loader in loaders(settings):
        reports.append((name, await loader(session)))
        if on_step is not None:
            on_step(name)
    return reports
