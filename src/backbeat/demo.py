"""Demo data: each domain adds an idempotent loader; `backbeat demo load` runs them in order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

DemoLoader = Callable[[AsyncSession], Awaitable[list[str]]]
"""Loads one domain's demo rows (skipping what exists) and returns lines to show the user."""


def loaders() -> list[tuple[str, DemoLoader]]:
    """Every domain's loader, in dependency order."""
    from backbeat.catalog.demo import load_catalog_demo
    from backbeat.identity.demo import load_demo_users
    from backbeat.royalties.demo import load_royalties_demo

    return [
        ("identity", load_demo_users),
        ("catalog", load_catalog_demo),
        ("royalties", load_royalties_demo),
    ]


async def load_demo(session: AsyncSession) -> list[tuple[str, list[str]]]:
    """Run every loader in one transaction; returns what each reported."""
    return [(name, await loader(session)) for name, loader in loaders()]
