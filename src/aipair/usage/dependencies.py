"""``Annotated`` aliases for the usage accounting services, injected by type."""

from __future__ import annotations

from typing import Annotated

from aipair.kit.injection import provided
from aipair.usage.budget import BudgetSettings
from aipair.usage.service import UsageService

Usage = Annotated[UsageService, provided(UsageService)]
Budgets = Annotated[BudgetSettings, provided(BudgetSettings)]
