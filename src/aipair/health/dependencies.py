"""``Annotated`` alias for the health checks, injected by type."""

from __future__ import annotations

from typing import Annotated

from aipair.health.service import HealthService
from aipair.kit.injection import provided

Health = Annotated[HealthService, provided(HealthService)]
