"""Imports every domain's models so the metadata is complete (migrations, schema checks)."""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "aipair.tenancy.models",
    "aipair.auth.models",
    "aipair.audit.models",
    "aipair.support.models",
    "aipair.security.models",
    "aipair.worker.models",
    "aipair.meetings.models",
    "aipair.gateway.models",
    "aipair.observability.models",
    "aipair.usage.models",
    "aipair.ops.models",
    "aipair.webhooks.models",
)


def import_all_models() -> None:
    """Import each domain's ``models`` module once."""
    for module in MODEL_MODULES:
        importlib.import_module(module)
