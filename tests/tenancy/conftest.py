"""Fixtures of the tenancy tests (shared with the auth tests)."""

from __future__ import annotations

from tests.auth.conftest import client_from, owner_sql, sign_in  # noqa: F401  (shared fixtures)
