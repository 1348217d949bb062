"""A company's own AI settings (OWNER and ADMIN; API keys need the ``admin`` scope): its API keys for
the platform's providers, its model alias overrides and its model allow-list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from aipair.auth.dependencies import AdminPrincipal, TenantSession
from aipair.gateway.dependencies import AiSettings
from aipair.gateway.models import CompanyModelAccess
from aipair.gateway.schemas import (
    ALIAS_NAME,
    MAX_PROVIDER_NAME,
    ModelAccessRead,
    ModelAccessSet,
    ModelAliasRead,
    ModelAliasSet,
    ProviderKeyRead,
    ProviderKeySet,
)

router = APIRouter(prefix="/api/ai", tags=["AI settings"])

ProviderPath = Annotated[str, Path(max_length=MAX_PROVIDER_NAME, description="A configured provider")]
AliasPath = Annotated[str, Path(pattern=ALIAS_NAME, description="A public model name")]


def _access(row: CompanyModelAccess | None) -> ModelAccessRead:
    if row is None:
        return ModelAccessRead(allowed_models=None, updated_at=None)
    return ModelAccessRead(allowed_models=list(row.allowed_models), updated_at=row.updated_at)


@router.get("/provider-keys", response_model=list[ProviderKeyRead])
async def list_provider_keys(
    principal: AdminPrincipal, session: TenantSession, ai_settings: AiSettings
) -> list[ProviderKeyRead]:
    """The company's own provider keys: provider, hint (last four characters) and whether the stored key
    still decrypts. Keys are never returned."""
    return await ai_settings.provider_keys(session, principal)


@router.put("/provider-keys/{provider}", response_model=ProviderKeyRead)
async def set_provider_key(
    provider: ProviderPath,
    body: ProviderKeySet,
    principal: AdminPrincipal,
    session: TenantSession,
    ai_settings: AiSettings,
) -> ProviderKeyRead:
    """Set or replace the company's API key for a configured provider (stored encrypted). From now on
    the gateway calls that provider with it for this company instead of the platform's key. 404
    `provider_not_found` for a provider that is not configured or takes no key."""
    return await ai_settings.set_provider_key(session, principal, provider, body.api_key)


@router.delete("/provider-keys/{provider}", status_code=204)
async def remove_provider_key(
    provider: ProviderPath, principal: AdminPrincipal, session: TenantSession, ai_settings: AiSettings
) -> Response:
    """Remove the company's key for a provider: the platform's key (if any) applies again."""
    await ai_settings.remove_provider_key(session, principal, provider)
    return Response(status_code=204)


@router.get("/model-aliases", response_model=list[ModelAliasRead])
async def list_model_aliases(
    principal: AdminPrincipal, session: TenantSession, ai_settings: AiSettings
) -> list[ModelAliasRead]:
    """The company's model alias overrides."""
    return await ai_settings.aliases(session, principal)


@router.put("/model-aliases/{alias}", response_model=ModelAliasRead)
async def set_model_alias(
    alias: AliasPath,
    body: ModelAliasSet,
    principal: AdminPrincipal,
    session: TenantSession,
    ai_settings: AiSettings,
) -> ModelAliasRead:
    """Route a public model name, for this company only, to ordered targets of configured providers
    (the first that answers serves the call; prices are the platform's for the provider and model
    used). A new name becomes one of the company's models. 422 `unknown_provider` for a target whose
    provider is not configured."""
    return await ai_settings.set_alias(session, principal, alias, body.targets)


@router.delete("/model-aliases/{alias}", status_code=204)
async def remove_model_alias(
    alias: AliasPath, principal: AdminPrincipal, session: TenantSession, ai_settings: AiSettings
) -> Response:
    """Drop an override: the name follows the platform's routing again."""
    await ai_settings.remove_alias(session, principal, alias)
    return Response(status_code=204)


@router.get("/model-access", response_model=ModelAccessRead)
async def model_access(
    principal: AdminPrincipal, session: TenantSession, ai_settings: AiSettings
) -> ModelAccessRead:
    """The company's model allow-list (`null`: every public model of the platform)."""
    return _access(await ai_settings.model_access(session, principal))


@router.put("/model-access", response_model=ModelAccessRead)
async def set_model_access(
    body: ModelAccessSet, principal: AdminPrincipal, session: TenantSession, ai_settings: AiSettings
) -> ModelAccessRead:
    """Restrict the company to these public models (`null` lifts the restriction). `GET /v1/models`
    then lists only them (and the company's own aliases); calling another model answers 404
    `model_not_found` and bills nothing. 422 `unknown_model` for a name the platform does not offer."""
    return _access(await ai_settings.set_model_access(session, principal, body.allowed_models))
