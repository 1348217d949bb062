"""``Annotated`` aliases of the webhooks services (injected by type)."""

from __future__ import annotations

from typing import Annotated

from aipair.kit.injection import provided
from aipair.webhooks.service import WebhookService

Webhooks = Annotated[WebhookService, provided(WebhookService)]
