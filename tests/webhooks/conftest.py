"""Fixtures of the webhook tests."""

from tests.fixtures.operators import owner_sql  # noqa: F401  (raw SQL as the owner)
