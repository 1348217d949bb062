"""What one HTTP request contributes to the metrics: its route template, method, status class, duration.

Label children are cached per (route, method, status class): the request path pays two memory writes
(the counter and one histogram bucket plus its sum), no label lookups. Requests in flight are counted in
a plain integer that the sampler publishes (:mod:`aipair.observability.sampler`).
"""

from __future__ import annotations

from typing import Any

from starlette.types import Scope

from aipair.observability.metrics import HTTP_DURATION, HTTP_REQUESTS

UNMATCHED = "unmatched"
"""The route label of requests no route matched (bounded: never the raw path)."""
STATUS_CLASSES = {1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_template(scope: Scope) -> str | None:
    """The template of the route that served the request (``/api/meetings/{meeting_id}``), if any."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else None


class HttpMetrics:
    """Counts and times requests by route template; tracks how many are in flight."""

    def __init__(self) -> None:
        self.in_flight = 0
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._static_paths: frozenset[str] | None = None

    def label(self, scope: Scope) -> str:
        """The route label: the matched template, a static path served outside the router, or unmatched."""
        template = route_template(scope)
        if template is not None:
            return template
        if self._static_paths is None:
            self.learn_paths(scope["app"])
        path: str = scope["path"]
        return path if path in (self._static_paths or ()) else UNMATCHED

    def learn_paths(self, app: Any) -> None:
        """Remember the application's paths without parameters (from its OpenAPI schema, built once):
        requests served outside the router (the gateway's hot routes) are labelled by them."""
        paths = app.openapi().get("paths", {}) if hasattr(app, "openapi") else {}
        self._static_paths = frozenset(path for path in paths if "{" not in path)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request and its duration."""
        if method not in METHODS:
            method = "other"
        key = (route, method, status // 100)
        children = self._children.get(key)
        if children is None:
            status_class = STATUS_CLASSES.get(status // 100, "other")
            children = (
                HTTP_REQUESTS.labels(route=route, method=method, status_class=status_class),
                HTTP_DURATION.labels(route=route),
            )
            self._children[key] = children
        counter, histogram = children
        counter.inc()
        histogram.observe(seconds)
