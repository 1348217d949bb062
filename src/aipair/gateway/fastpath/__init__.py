"""The gateway's fast path: the hot AI routes served without FastAPI's per-request machinery.

It is the one place where the application leaves its usual rules (routes declared on routers, with
dependencies injected by FastAPI); ``docs/decisions/gateway-fast-path.md`` says why, and ``make bench``
(``bench/gateway.py``) is the benchmark that guards it. Checks that every AI call must pass before its
endpoint runs (maintenance mode, a database known to be down) are :data:`RequestCheck` functions given
to :class:`GatewayFastPath` (``checks=``), so they stay in one obvious, cheap place.
"""

from aipair.gateway.fastpath.middleware import GatewayFastPath, RequestCheck
from aipair.gateway.fastpath.routes import HOT_ROUTES

__all__ = ["HOT_ROUTES", "GatewayFastPath", "RequestCheck"]
