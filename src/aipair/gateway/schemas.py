"""Bodies of the ``/api/ai`` routes: a company's provider keys, alias overrides and model allow-list.

Keys go in and never come out: answers carry only a hint (the last four characters).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MODEL_NAME = r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$"
ALIAS_NAME = r"^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$"
"""A public model name as a path segment (no ``/``)."""
MAX_PROVIDER_NAME = 64
MAX_TARGETS = 5
MAX_ALLOWED_MODELS = 200

ModelName = Annotated[str, StringConstraints(pattern=MODEL_NAME, max_length=128)]
ProviderName = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PROVIDER_NAME)]
ApiKeySecret = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=8, max_length=512, pattern=r"^[\x21-\x7e]+$"),
]
"""Printable ASCII without spaces: it goes into an HTTP header as it is."""


class ProviderKeySet(BaseModel):
    """The company's own API key for a provider (8 to 512 printable characters, no spaces)."""

    model_config = ConfigDict(extra="forbid")

    api_key: ApiKeySecret


class ProviderKeyRead(BaseModel):
    """A company's key for a provider, shown only by its hint. ``usable`` is false when the stored key
    no longer decrypts (an owner or admin must set it again)."""

    provider: str
    key_hint: str = Field(description="The last four characters of the key, e.g. '…3xYz'")
    usable: bool
    created_at: datetime
    updated_at: datetime


class ModelTarget(BaseModel):
    """One step of an alias: send to ``provider`` (a configured provider) as upstream ``model``."""

    model_config = ConfigDict(extra="forbid")

    provider: ProviderName
    model: ModelName


class ModelAliasSet(BaseModel):
    """The ordered targets of an alias for this company (the first that answers serves the call)."""

    model_config = ConfigDict(extra="forbid")

    targets: list[ModelTarget] = Field(min_length=1, max_length=MAX_TARGETS)


class ModelAliasRead(BaseModel):
    """A public model name routed, for this company, to its own targets."""

    alias: str
    targets: list[ModelTarget]
    created_at: datetime
    updated_at: datetime


class ModelAccessSet(BaseModel):
    """The public models the company may use; ``null`` lifts the restriction. The company's own aliases
    stay usable whatever the list says."""

    model_config = ConfigDict(extra="forbid")

    allowed_models: list[ModelName] | None = Field(max_length=MAX_ALLOWED_MODELS)


class ModelAccessRead(BaseModel):
    """The company's allow-list (``null``: every public model of the platform)."""

    allowed_models: list[str] | None
    updated_at: datetime | None
