"""Fixtures shared with the other platform-staff test folders."""

from tests.fixtures.live_gateway import healthy_upstreams, upstreams  # noqa: F401  (shared fixtures)
from tests.fixtures.operators import app_conn, cli, owner_sql, super_admin, support  # noqa: F401
