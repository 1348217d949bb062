"""``Annotated`` aliases for the security signals services, injected by type."""

from __future__ import annotations

from typing import Annotated

from aipair.kit.injection import provided
from aipair.security.service import SecurityService

Security = Annotated[SecurityService, provided(SecurityService)]
