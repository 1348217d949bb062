"""``Annotated`` aliases for the gateway's services, injected by type (the ``/v1`` routes read theirs
directly: see ``gateway/endpoints.py``)."""

from __future__ import annotations

from typing import Annotated

from aipair.gateway.service import GatewayService
from aipair.gateway.settings_service import CompanyAiSettingsService
from aipair.kit.injection import provided

AiSettings = Annotated[CompanyAiSettingsService, provided(CompanyAiSettingsService)]
Gateway = Annotated[GatewayService, provided(GatewayService)]
