"""``Annotated`` aliases of observability, injected by type."""

from __future__ import annotations

from typing import Annotated

from aipair.config import MetricsSettings
from aipair.kit.injection import provided

MetricsConfig = Annotated[MetricsSettings, provided(MetricsSettings)]
