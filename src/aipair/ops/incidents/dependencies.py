"""``Annotated`` alias for the incidents service, injected by type."""

from __future__ import annotations

from typing import Annotated

from aipair.kit.injection import provided
from aipair.ops.incidents.service import IncidentService

Incidents = Annotated[IncidentService, provided(IncidentService)]
