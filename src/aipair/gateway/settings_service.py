"""A company's own AI settings: provider keys (sealed at rest), alias overrides, model allow-list.

OWNERs and ADMINs (keys: the ``admin`` scope) manage them; every change writes one audit entry whose
before/after show a key only by its hint, and makes this process's gateway reload the company's
routing at once (others within the cache lifetime). Platform staff may read them inside a support
grant and, under a write grant, change aliases and the allow-list — never the company's keys.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.audit.service import AuditService
from aipair.auth.principal import Principal
from aipair.config.providers import GatewayProvidersConfig
from aipair.gateway import repository as repo
from aipair.gateway.company_routes import CompanyRoutes, provider_key_context
from aipair.gateway.models import CompanyModelAccess, CompanyModelAlias, CompanyProviderKey
from aipair.gateway.schemas import ModelAliasRead, ModelTarget, ProviderKeyRead
from aipair.gateway.settings_errors import (
    ChangedConcurrently,
    ModelAliasNotFound,
    ProviderKeyNotFound,
    ProviderKeysCompanyOnly,
    ProviderNotFound,
    UnknownModel,
    UnknownProvider,
)
from aipair.kit.clock import utcnow
from aipair.kit.sealing import SealBroken, SecretBox
from aipair.tenancy.models import Role

__all__ = ["CompanyAiSettingsService", "alias_read", "key_hint"]


def key_hint(api_key: str) -> str:
    """What may be shown of a key: its last four characters."""
    return "…" + api_key[-4:]


def alias_read(row: CompanyModelAlias) -> ModelAliasRead:
    """The API view of an alias row."""
    return ModelAliasRead.model_validate(row, from_attributes=True)


class CompanyAiSettingsService:
    """Read and change one company's provider keys, alias overrides and allow-list."""

    def __init__(
        self, config: GatewayProvidersConfig, box: SecretBox, routes: CompanyRoutes, *, audit: AuditService
    ) -> None:
        self._config = config
        self._box = box
        self._routes = routes
        self._audit = audit

    # --- provider keys -----------------------------------------------------------------------------

    async def provider_keys(self, session: AsyncSession, principal: Principal) -> list[ProviderKeyRead]:
        """The company's keys by provider, each shown by its hint and whether it still decrypts."""
        principal.require(Role.ADMIN)
        return [self._key_read(row) for row in await repo.list_provider_keys(session, principal.company_id)]

    async def set_provider_key(
        self, session: AsyncSession, principal: Principal, provider: str, api_key: str
    ) -> ProviderKeyRead:
        """Set or replace the company's key for ``provider``; its calls there use it from now on.

        Audited as ``gateway.provider_key.create`` or ``.update`` (hints only)."""
        self._check_key_rights(principal, provider)
        row = await repo.get_provider_key(session, principal.company_id, provider)
        before = _key_picture(row)
        sealed = self._box.seal(api_key, provider_key_context(principal.company_id, provider))
        if row is None:
            row = CompanyProviderKey(
                company_id=principal.company_id,
                provider=provider,
                sealed_key=sealed,
                key_hint=key_hint(api_key),
                updated_by=principal.user_id,
            )
            await _unique(repo.add(session, row))
        else:
            row.sealed_key, row.key_hint = sealed, key_hint(api_key)
            row.updated_by, row.updated_at = principal.user_id, utcnow()
            await repo.flush(session)
        verb = "create" if before is None else "update"
        await self._record(session, principal, f"gateway.provider_key.{verb}", row, before, _key_picture(row))
        return self._key_read(row)

    async def remove_provider_key(self, session: AsyncSession, principal: Principal, provider: str) -> None:
        """Remove the company's key; its calls to ``provider`` use the platform's key again.
        Audited as ``gateway.provider_key.delete``."""
        self._check_key_rights(principal, provider)
        row = await repo.get_provider_key(session, principal.company_id, provider)
        if row is None:
            raise ProviderKeyNotFound(f"The company has no API key for provider '{provider}'")
        before = _key_picture(row)
        await repo.remove(session, row)
        after = {"provider": provider, "deleted": True}
        await self._record(session, principal, "gateway.provider_key.delete", row, before, after)

    def _check_key_rights(self, principal: Principal, provider: str) -> None:
        principal.require(Role.ADMIN)
        if principal.support is not None:
            raise ProviderKeysCompanyOnly()
        config = self._config.providers.get(provider)
        if config is None or config.kind == "local":
            raise ProviderNotFound(f"No configured provider '{provider}' takes an API key")

    def _key_read(self, row: CompanyProviderKey) -> ProviderKeyRead:
        try:
            self._box.open(row.sealed_key, provider_key_context(row.company_id, row.provider))
            usable = True
        except SealBroken:
            usable = False
        return ProviderKeyRead(
            provider=row.provider,
            key_hint=row.key_hint,
            usable=usable,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    # --- alias overrides ---------------------------------------------------------------------------

    async def aliases(self, session: AsyncSession, principal: Principal) -> list[ModelAliasRead]:
        """The company's alias overrides, by name."""
        principal.require(Role.ADMIN)
        return [alias_read(row) for row in await repo.list_aliases(session, principal.company_id)]

    async def set_alias(
        self, session: AsyncSession, principal: Principal, alias: str, targets: Sequence[ModelTarget]
    ) -> ModelAliasRead:
        """Route ``alias`` to ``targets`` (configured providers, in order) for this company.
        Audited as ``gateway.model_alias.create`` or ``.update``."""
        principal.require(Role.ADMIN)
        unknown = sorted({t.provider for t in targets} - self._config.providers.keys())
        if unknown:
            raise UnknownProvider(f"Unknown provider(s): {', '.join(unknown)}", providers=unknown)
        values = [t.model_dump() for t in targets]
        row = await repo.get_alias(session, principal.company_id, alias)
        before = _alias_picture(row)
        if row is None:
            row = CompanyModelAlias(
                company_id=principal.company_id, alias=alias, targets=values, updated_by=principal.user_id
            )
            await _unique(repo.add(session, row))
        else:
            row.targets, row.updated_by, row.updated_at = values, principal.user_id, utcnow()
            await repo.flush(session)
        verb = "create" if before is None else "update"
        await self._record(
            session, principal, f"gateway.model_alias.{verb}", row, before, _alias_picture(row)
        )
        return alias_read(row)

    async def remove_alias(self, session: AsyncSession, principal: Principal, alias: str) -> None:
        """Drop the override; ``alias`` follows the platform's routing again (if it has one).
        Audited as ``gateway.model_alias.delete``."""
        principal.require(Role.ADMIN)
        row = await repo.get_alias(session, principal.company_id, alias)
        if row is None:
            raise ModelAliasNotFound(f"The company has no override for model '{alias}'")
        before = _alias_picture(row)
        await repo.remove(session, row)
        after = {"alias": alias, "deleted": True}
        await self._record(session, principal, "gateway.model_alias.delete", row, before, after)

    # --- allow-list --------------------------------------------------------------------------------

    async def model_access(self, session: AsyncSession, principal: Principal) -> CompanyModelAccess | None:
        """The company's allow-list row (None: every public model)."""
        principal.require(Role.ADMIN)
        return await repo.get_model_access(session, principal.company_id)

    async def set_model_access(
        self, session: AsyncSession, principal: Principal, allowed: Sequence[str] | None
    ) -> CompanyModelAccess | None:
        """Restrict the company to ``allowed`` public models (None lifts the restriction).
        Audited as ``gateway.model_access.update``."""
        principal.require(Role.ADMIN)
        if allowed is not None:
            await self._check_models(session, principal, allowed)
        row = await repo.get_model_access(session, principal.company_id)
        before = _access_picture(row)
        row = await _store_access(session, principal, row, allowed)
        await self._audit.record(
            session,
            principal,
            "gateway.model_access.update",
            "model_access",
            principal.company_id,
            before=before,
            after=_access_picture(row),
        )
        self._routes.forget(principal.company_id)
        return row

    async def _check_models(self, session: AsyncSession, principal: Principal, names: Sequence[str]) -> None:
        own = {row.alias for row in await repo.list_aliases(session, principal.company_id)}
        unknown = sorted(set(names) - self._config.aliases.keys() - own)
        if unknown:
            raise UnknownModel(f"Unknown model(s): {', '.join(unknown)}", models=unknown)

    async def _record(
        self,
        session: AsyncSession,
        principal: Principal,
        action: str,
        row: CompanyProviderKey | CompanyModelAlias,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        target = "provider_key" if isinstance(row, CompanyProviderKey) else "model_alias"
        await self._audit.record(session, principal, action, target, row.id, before=before, after=after)
        self._routes.forget(principal.company_id)


def _key_picture(row: CompanyProviderKey | None) -> dict[str, Any] | None:
    # Never the key nor its sealed bytes: the hint is all an audit reader may see.
    return None if row is None else {"provider": row.provider, "key_hint": row.key_hint}


def _alias_picture(row: CompanyModelAlias | None) -> dict[str, Any] | None:
    return None if row is None else {"alias": row.alias, "targets": row.targets}


def _access_picture(row: CompanyModelAccess | None) -> dict[str, Any]:
    return {"allowed_models": list(row.allowed_models) if row else None}


async def _store_access(
    session: AsyncSession, principal: Principal, row: CompanyModelAccess | None, allowed: Sequence[str] | None
) -> CompanyModelAccess | None:
    """Write the allow-list (None: remove it); returns the row now stored."""
    if allowed is None:
        await repo.clear_model_access(session, principal.company_id)
        return None
    models = sorted(set(allowed))
    if row is None:
        row = CompanyModelAccess(
            company_id=principal.company_id, allowed_models=models, updated_by=principal.user_id
        )
        await _unique(repo.add(session, row))
        return row
    row.allowed_models, row.updated_by, row.updated_at = models, principal.user_id, utcnow()
    await repo.flush(session)
    return row


async def _unique(insert: Awaitable[None]) -> None:
    """Run an insert; a concurrent insert of the same setting answers 409, not 500."""
    try:
        await insert
    except IntegrityError as exc:
        raise ChangedConcurrently() from exc
