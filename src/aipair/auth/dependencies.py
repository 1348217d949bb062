"""``Annotated`` aliases for the caller, its tenant transaction, the scope and role guards, and the
auth services (injected by type).

Every authenticated route takes its caller through one of the scoped aliases (:data:`UsageReader`,
:data:`MeetingsCaller`, :data:`AdminCaller`, :data:`AdminPrincipal`, :data:`OwnerPrincipal`): an API key
without the route's scope answers 403 ``insufficient_scope`` before anything is read, and the scope
appears in the route's OpenAPI ``security`` requirement (``bearer: [scope]``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import replace
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Scope

from aipair.auth.api_keys import ApiKeyService
from aipair.auth.errors import InvalidToken, PersonRequired
from aipair.auth.password_service import PasswordService
from aipair.auth.principal import ClientInfo, Principal
from aipair.auth.service import AuthService
from aipair.auth.tokens import API_KEY_PREFIX
from aipair.config import AuthSettings
from aipair.db.dependencies import Sessions
from aipair.db.engine import transaction
from aipair.kit.addresses import Network, client_address
from aipair.kit.injection import provided
from aipair.tenancy.models import Role


class StaffAccess(Protocol):
    """How platform staff enter a customer company (support access provides it)."""

    async def enter_company(self, principal: Principal, raw_company: str) -> Principal:
        """The principal acting inside ``raw_company``; raises when the caller may not."""

    def check_access(self, principal: Principal, method: str) -> None:
        """Raise when the open grant does not allow ``method``."""


Auth = Annotated[AuthService, provided(AuthService)]
ApiKeys = Annotated[ApiKeyService, provided(ApiKeyService)]
PasswordChanges = Annotated[PasswordService, provided(PasswordService)]
AuthConfig = Annotated[AuthSettings, provided(AuthSettings)]
Staff = Annotated[StaffAccess, provided(StaffAccess)]
COMPANY_HEADER = "x-aipair-company"
"""Platform staff select the customer company they act in (inside a support access grant)."""


def client_ip(request: Request, trusted_proxies: Sequence[Network]) -> str | None:
    """The caller's address: the peer's, or from X-Forwarded-For when the peer is a trusted proxy."""
    peer = request.client.host if request.client else None
    if not trusted_proxies:
        return peer
    return client_address(peer, request.headers.get("x-forwarded-for"), trusted_proxies)


def client_info(request: Request, config: AuthConfig) -> ClientInfo:
    """Source address (from X-Forwarded-For only through trusted proxies), user agent, request id."""
    ip = client_ip(request, config.trusted_proxies)
    request_id = request.scope.get("state", {}).get("request_id")
    return ClientInfo(ip=ip, user_agent=request.headers.get("user-agent"), request_id=request_id)


Client = Annotated[ClientInfo, Depends(client_info)]


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("Missing bearer token")
    return token.strip()


async def current_principal(request: Request, auth: Auth, staff: Staff, client: Client) -> Principal:
    """The authenticated caller (an access token or a company API key) and where it calls from.

    Platform staff may add ``X-Aipair-Company: <company id>`` to act inside a customer company:
    without an open support grant every such request answers 404, under a read grant a write
    answers 403, and every one of them is logged in ``support_actions_log``.
    """
    token = bearer_token(request)
    if token.startswith(API_KEY_PREFIX + "_"):
        principal = await auth.principal_from_api_key(token)
    else:
        principal = await auth.principal_from_access_token(token)
    principal = replace(principal, origin=client)
    request.state.principal = principal
    target = request.headers.get(COMPANY_HEADER)
    if target is not None:
        principal = await staff.enter_company(principal, target)
        request.state.principal = principal
        staff.check_access(principal, request.method)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def scope_principal(scope: Scope) -> Principal | None:
    """The principal :func:`current_principal` authenticated for this request, if it ran."""
    principal = (scope.get("state") or {}).get("principal")
    return principal if isinstance(principal, Principal) else None


async def tenant_session(sessions: Sessions, principal: CurrentPrincipal) -> AsyncIterator[AsyncSession]:
    """The request's one transaction, in the caller's tenant context; committed when the handler returns."""
    async with transaction(sessions, principal.db_context()) as session:
        yield session


TenantSession = Annotated[AsyncSession, Depends(tenant_session, scope="function")]


bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An access token from `POST /auth/login`, or a company API key (`aip_…`). The scope an "
    "API key needs is listed with each route.",
)


async def authorised(
    security: SecurityScopes,
    principal: CurrentPrincipal,
    _documented: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    """The caller, once its API key (if it is one) holds every scope the route declares."""
    for scope in security.scopes:
        principal.require_scope(scope)
    return principal


def require_role(minimum: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency admitting ``minimum`` role or above (the scope comes from the ``Security`` using it)."""

    async def guard(principal: Annotated[Principal, Depends(authorised)]) -> Principal:
        principal.require(minimum)
        return principal

    return guard


AnyCaller = Annotated[Principal, Security(authorised)]
"""Any credential, whatever its scopes (the caller asking who it is)."""
UsageReader = Annotated[Principal, Security(authorised, scopes=["usage:read"])]
"""Reads of usage, budget, limits and plans: API keys need ``usage:read``."""
MeetingsCaller = Annotated[Principal, Security(authorised, scopes=["meetings"])]
"""Meetings and action items: API keys need ``meetings``."""
AdminCaller = Annotated[Principal, Security(authorised, scopes=["admin"])]
"""Administration whose role rules the service checks after loading the target (so a foreign id
answers 404 before any 403): API keys need ``admin``."""
AdminPrincipal = Annotated[Principal, Security(require_role(Role.ADMIN), scopes=["admin"])]
OwnerPrincipal = Annotated[Principal, Security(require_role(Role.OWNER), scopes=["admin"])]


async def signed_in_user(principal: AnyCaller) -> Principal:
    """A person signed in with an access token (an API key acts for a company, never as a person)."""
    if principal.kind != "user" or principal.user_id is None or principal.support is not None:
        raise PersonRequired()
    return principal


UserPrincipal = Annotated[Principal, Depends(signed_in_user)]
