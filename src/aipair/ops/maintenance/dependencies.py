"""``Annotated`` alias for the maintenance service, injected by type."""

from __future__ import annotations

from typing import Annotated

from aipair.kit.injection import provided
from aipair.ops.maintenance.service import MaintenanceService

Maintenance = Annotated[MaintenanceService, provided(MaintenanceService)]
