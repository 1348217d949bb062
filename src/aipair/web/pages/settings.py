"""The company's budget and alert thresholds, and its own AI settings (provider keys by hint, model
aliases, allowed models)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from aipair.gateway.dependencies import AiSettings, Gateway
from aipair.gateway.schemas import ModelAccessSet, ModelAliasSet, ProviderKeySet
from aipair.tenancy.dependencies import Tenancy
from aipair.tenancy.schemas import BudgetUpdate
from aipair.usage.dependencies import Budgets, Usage
from aipair.usage.schemas import BudgetAlertRead
from aipair.web.context import redirect
from aipair.web.dependencies import AdminPage
from aipair.web.forms import form_values, parse
from aipair.web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get("/settings/budget")
async def budget(
    page: AdminPage,
    tenancy: Tenancy,
    usage_service: Usage,
) -> Response:
    """This month's budget and spend, the alert thresholds, the webhook, and the alerts fired."""
    return await _budget_page(page, tenancy, usage_service)


async def _budget_page(
    page: AdminPage, tenancy: Tenancy, usage_service: Usage, webhook_secret: str | None = None
) -> Response:
    view = await tenancy.budget_view(page.db, page.principal.company_id, usage_service)
    alerts = [
        BudgetAlertRead.of(r) for r in await usage_service.alerts(page.db, page.principal.company_id, 20, 0)
    ]
    return page.page("budget.html", title="Budget", budget=view, alerts=alerts, webhook_secret=webhook_secret)


@router.post("/settings/budget")
async def save_budget(
    request: Request,
    page: AdminPage,
    budgets: Budgets,
    tenancy: Tenancy,
    usage_service: Usage,
) -> Response:
    """Set the monthly budget (blank: no budget), alert thresholds (percent) and webhook; the first
    webhook's signing secret is shown once, on the page this answers with."""
    values = await form_values(request)
    change: dict[str, Any] = {"webhook_url": values.get("webhook_url")}
    if "monthly_budget_usd" in values:
        change["monthly_budget_usd"] = values["monthly_budget_usd"]
    else:
        change["clear_budget"] = True
    if "alert_thresholds" in values:
        change["alert_thresholds"] = [p.strip() for p in values["alert_thresholds"].split(",") if p.strip()]
    secret = await budgets.update(page.db, page.principal, parse(BudgetUpdate, change))
    if secret is not None:
        return await _budget_page(page, tenancy, usage_service, secret)
    return redirect("/settings/budget", "budget_saved")


@router.get("/settings/ai")
async def ai_settings(
    page: AdminPage,
    ai_settings: AiSettings,
    gateway: Gateway,
) -> Response:
    """Provider keys (by hint), model aliases and the model allow-list of the company."""
    db, who = page.db, page.principal
    access = await ai_settings.model_access(db, who)
    return page.page(
        "ai_settings.html",
        title="AI settings",
        keys=await ai_settings.provider_keys(db, who),
        aliases=await ai_settings.aliases(db, who),
        allowed=list(access.allowed_models) if access else None,
        providers=gateway.router.registry.provider_names(),
        models=gateway.router.registry.model_names(),
    )


@router.post("/settings/ai/provider-keys")
async def set_provider_key(
    request: Request, page: AdminPage, ai_settings: AiSettings, provider: Annotated[str, Form(max_length=64)]
) -> Response:
    """Set or replace the company's key for a provider (stored sealed, shown by its hint only)."""
    data = parse(ProviderKeySet, {"api_key": (await form_values(request)).get("api_key")})
    await ai_settings.set_provider_key(page.db, page.principal, provider, data.api_key)
    return redirect("/settings/ai", "ai_saved")


@router.post("/settings/ai/provider-keys/{provider}/remove")
async def remove_provider_key(
    provider: str,
    page: AdminPage,
    ai_settings: AiSettings,
) -> Response:
    """Remove the company's key for a provider."""
    await ai_settings.remove_provider_key(page.db, page.principal, provider)
    return redirect("/settings/ai", "ai_saved")


@router.post("/settings/ai/aliases")
async def set_alias(
    page: AdminPage,
    ai_settings: AiSettings,
    alias: Annotated[str, Form(max_length=100)],
    provider: Annotated[str, Form(max_length=64)],
    model: Annotated[str, Form(max_length=200)],
) -> Response:
    """Route a public model name, for this company only, to a provider's model."""
    targets = parse(ModelAliasSet, {"targets": [{"provider": provider, "model": model}]}).targets
    await ai_settings.set_alias(page.db, page.principal, alias, targets)
    return redirect("/settings/ai", "ai_saved")


@router.post("/settings/ai/aliases/{alias}/remove")
async def remove_alias(
    alias: str,
    page: AdminPage,
    ai_settings: AiSettings,
) -> Response:
    """Drop an override: the name follows the platform's routing again."""
    await ai_settings.remove_alias(page.db, page.principal, alias)
    return redirect("/settings/ai", "ai_saved")


@router.post("/settings/ai/model-access")
async def set_model_access(
    request: Request,
    page: AdminPage,
    ai_settings: AiSettings,
) -> Response:
    """Restrict the company to the ticked models (none ticked with "every model": no restriction)."""
    values = await form_values(request, lists=("allowed_models",))
    allowed = None if values.get("mode") == "all" else values.get("allowed_models", [])
    data = parse(ModelAccessSet, {"allowed_models": allowed})
    await ai_settings.set_model_access(page.db, page.principal, data.allowed_models)
    return redirect("/settings/ai", "ai_saved")
