"""Rotating the secrets key (every sealed value re-sealed under the new key while the old one is
still accepted) and the application role's password."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import psycopg

from aipair.config import Settings
from aipair.gateway.company_routes import provider_key_context
from aipair.kit.local_secrets import replace_local_secret
from aipair.kit.sealing import SealBroken, SecretBox
from aipair.ops.keys import repository as repo


@dataclass(frozen=True)
class ResealResult:
    """What ``aipair secrets rotate`` did: values re-sealed, already current, and unreadable ones."""

    resealed: int
    current: int
    unreadable: list[str]


def reseal_all(conn: psycopg.Connection, box: SecretBox) -> ResealResult:
    """Re-seal every company's provider key under the box's current key, in one transaction.

    A value no key of the ring opens is left as it is and named (its company must set it again);
    the rotation is recorded with the new key's id.
    """
    resealed, current, unreadable = 0, 0, []
    with conn.transaction():
        for row_id, company_id, provider, sealed in repo.sealed_provider_keys(conn):
            if box.is_current(sealed):
                current += 1
                continue
            context = provider_key_context(company_id, provider)
            try:
                plaintext = box.open(sealed, context)
            except SealBroken:
                unreadable.append(f"company {company_id}, provider {provider}")
                continue
            repo.replace_sealed(conn, row_id, box.seal(plaintext, context))
            resealed += 1
        details = {"key_id": box.current_key_id, "resealed": resealed, "unreadable": len(unreadable)}
        repo.record_rotation(conn, "secrets_key", details)
    return ResealResult(resealed, current, unreadable)


def sealed_state(conn: psycopg.Connection, box: SecretBox) -> tuple[int, int]:
    """How many stored values are sealed under the current key, and how many under earlier keys."""
    values = repo.sealed_values(conn)
    current = sum(1 for sealed in values if box.is_current(sealed))
    return current, len(values) - current


@dataclass(frozen=True)
class NewPassword:
    """The application role's new password, and whether it was stored for this data directory."""

    password: str
    stored: bool


def rotate_app_password(conn: psycopg.Connection, settings: Settings, role: str) -> NewPassword:
    """Give the application role a new random password and record the rotation.

    Without ``AIPAIR_DATABASE_APP_PASSWORD`` the password lives in the data directory's secrets and
    is replaced there; otherwise the operator puts the printed one into the secret store.
    Connections already open keep working; processes started afterwards use the new password.
    """
    password = secrets.token_urlsafe(32)
    with conn.transaction():
        repo.set_role_password(conn, role, password)
        repo.record_rotation(conn, "db_password", {"role": role})
    stored = settings.database_app_password is None and settings.database_app_url is None
    if stored:
        replace_local_secret(settings.data_path, "db_app_password", password)
    return NewPassword(password, stored)
