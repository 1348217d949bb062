"""The long-lived objects of one process, built in the lifespan and injected from ``app.state``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from aipair.auth.api_keys import ApiKeyService
from aipair.auth.passwords import Passwords
from aipair.auth.service import AuthService
from aipair.auth.tokens import AccessTokens
from aipair.config import Settings
from aipair.db.engine import create_engine, session_factory
from aipair.db.urls import DatabaseUrls
from aipair.kit.local_secrets import local_secret
from aipair.tenancy.members import MemberService
from aipair.tenancy.platform import PlatformService
from aipair.tenancy.service import TenancyService


@dataclass
class Runtime:
    """Engines, services and settings shared by every request of the process."""

    settings: Settings
    urls: DatabaseUrls
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    passwords: Passwords
    auth: AuthService
    api_keys: ApiKeyService
    tenancy: TenancyService
    members: MemberService
    platform: PlatformService

    async def close(self) -> None:
        await self.engine.dispose()


def jwt_secret(settings: Settings) -> str:
    """The token signing secret: from settings, else generated once for the data directory."""
    if settings.auth.jwt_secret is not None:
        return settings.auth.jwt_secret.get_secret_value()
    return local_secret(settings.data_path, "jwt_secret")


def build_runtime(settings: Settings, urls: DatabaseUrls) -> Runtime:
    """Wire the process's engines and services."""
    engine = create_engine(settings, urls.app)
    sessions = session_factory(engine)
    passwords = Passwords(settings.auth)
    tokens = AccessTokens(jwt_secret(settings), timedelta(minutes=settings.auth.access_token_minutes))
    return Runtime(
        settings=settings,
        urls=urls,
        engine=engine,
        sessions=sessions,
        passwords=passwords,
        auth=AuthService(sessions, passwords, tokens, settings.auth),
        api_keys=ApiKeyService(timedelta(hours=settings.auth.api_key_rotation_grace_hours)),
        tenancy=TenancyService(passwords),
        members=MemberService(),
        platform=PlatformService(passwords),
    )
