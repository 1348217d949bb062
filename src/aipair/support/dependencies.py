"""``Annotated`` aliases for the support access services, injected by type."""

from __future__ import annotations

from typing import Annotated

from aipair.config import SupportSettings
from aipair.kit.injection import provided
from aipair.support.actions import SupportActionsLog
from aipair.support.service import SupportService

Support = Annotated[SupportService, provided(SupportService)]
SupportActions = Annotated[SupportActionsLog, provided(SupportActionsLog)]
SupportConfig = Annotated[SupportSettings, provided(SupportSettings)]
