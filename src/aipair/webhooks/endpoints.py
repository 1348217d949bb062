"""The company's webhook signing secret and delivery log."""

from __future__ import annotations

from fastapi import APIRouter

from aipair.auth.dependencies import AdminCaller, AdminPrincipal, TenantSession
from aipair.kit.pagination import Pagination
from aipair.webhooks.dependencies import Webhooks
from aipair.webhooks.schemas import DeliveryRead, SecretCreated, SecretRotate

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])


@router.post("/secret", response_model=SecretCreated, status_code=201)
async def rotate_secret(
    body: SecretRotate, principal: AdminPrincipal, session: TenantSession, webhooks: Webhooks
) -> SecretCreated:
    """A new signing secret for your webhooks (ADMIN or OWNER), shown once. For `grace_hours` (default
    24) deliveries carry a signature with the old secret too, so receivers can switch without losing
    any. How to verify a delivery: `docs/webhooks.md`."""
    return await webhooks.rotate_secret(session, principal, body.grace_hours)


@router.get("/deliveries", response_model=list[DeliveryRead])
async def deliveries(
    principal: AdminCaller, session: TenantSession, webhooks: Webhooks, page: Pagination
) -> list[DeliveryRead]:
    """Your webhook deliveries, newest first, with every attempt's HTTP status and outcome (what
    receivers answered is never stored)."""
    return await webhooks.deliveries(session, principal, page.limit, page.offset)
