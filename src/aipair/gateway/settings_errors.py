"""Errors of a company's own AI settings.

:class:`CompanyKeyUnreadable` is raised on the gateway's path (OpenAI's shape, like every
:class:`~aipair.gateway.errors.GatewayError`); the others by the ``/api/ai`` routes (the platform's
shape).
"""

from __future__ import annotations

from aipair.errors import Conflict, Forbidden, NotFound, ValidationFailed
from aipair.gateway.errors import ProviderAuthFailed

__all__ = [
    "ChangedConcurrently",
    "CompanyKeyUnreadable",
    "ModelAliasNotFound",
    "ProviderKeyNotFound",
    "ProviderKeysCompanyOnly",
    "ProviderNotFound",
    "UnknownModel",
    "UnknownProvider",
]


class CompanyKeyUnreadable(ProviderAuthFailed):
    """The company's own key for this provider does not decrypt here (another secrets key, or a sealed
    value copied from another company or provider); an owner or admin must set it again. Not retried;
    the alias's next target is tried."""

    code = "company_key_unreadable"
    provider_fault = False  # this company's key alone
    default_message = "The company's API key for this provider cannot be read; set it again"


class ProviderNotFound(NotFound):
    """No configured provider of that name takes an API key."""

    code = "provider_not_found"
    default_message = "No configured provider of that name takes an API key"


class ProviderKeyNotFound(NotFound):
    """The company has no key of its own for this provider."""

    code = "provider_key_not_found"
    default_message = "The company has no API key for this provider"


class ModelAliasNotFound(NotFound):
    """The company has no override for this model name."""

    code = "model_alias_not_found"
    default_message = "The company has no override for this model"


class UnknownProvider(ValidationFailed):
    """An alias target names a provider the platform does not configure."""

    code = "unknown_provider"
    default_message = "Unknown provider"


class UnknownModel(ValidationFailed):
    """An allow-list names a model that is neither a public model nor one of the company's aliases."""

    code = "unknown_model"
    default_message = "Unknown model"


class ProviderKeysCompanyOnly(Forbidden):
    """Only the company's own owners and admins set or remove its provider keys, never platform staff."""

    code = "provider_keys_company_only"
    default_message = "Only the company's owners and admins may change its provider keys"


class ChangedConcurrently(Conflict):
    """Another request created the same setting at the same moment; trying again succeeds."""

    code = "changed_concurrently"
    default_message = "This setting was changed by another request at the same time; try again"
