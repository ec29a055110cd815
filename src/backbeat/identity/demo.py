"""Demo accounts with known passwords (development only: anyone can read them here)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import User
from backbeat.identity.service.accounts import create_user

DEMO_USERS = (
    ("nova", "Nova Reyes", "artist", "nova-demo-beats-2026"),
    ("kaito", "Kaito Mori", "artist", "kaito-demo-stems-2026"),
    ("mia", "Mia Lund", "listener", "mia-demo-listens-2026"),
    ("leo", "Leo Okafor", "listener", "leo-demo-playlists-2026"),
    ("admin", "Demo Admin", "admin", "admin-demo-console-2026"),
)
DEMO_DOMAIN = "demo.backbeat.local"


async def load_demo_users(session: AsyncSession) -> list[str]:
    """Create the demo accounts that do not exist yet; list every one with its password."""
    lines = []
    for username, display_name, role, password in DEMO_USERS:
        email = f"{username}@{DEMO_DOMAIN}"
        exists = await session.scalar(select(User.id).where(func.lower(User.email) == email))
        if exists is None:
            roles = ["listener", "admin"] if role == "admin" else [role]
            await create_user(
                session,
                email=email,
                username=username,
                password=password,
                display_name=display_name,
                roles=roles,
            )
        lines.append(f"{role:<8} {email:<28} password: {password}")
    return lines
