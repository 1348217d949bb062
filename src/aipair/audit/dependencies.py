"""``Annotated`` aliases for the audit trail services, injected by type."""

from __future__ import annotations

from typing import Annotated

from aipair.audit.service import AuditService
from aipair.kit.injection import provided

Audit = Annotated[AuditService, provided(AuditService)]
