"""Sign-in, tokens, the current user and company API keys."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from aipair.auth.api_keys import CreatedKey
from aipair.auth.dependencies import (
    AdminCaller,
    AdminPrincipal,
    AnyCaller,
    ApiKeys,
    Auth,
    Client,
    PasswordChanges,
    TenantSession,
    UserPrincipal,
)
from aipair.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    CompanyMembershipRead,
    CurrentUser,
    LoginRequest,
    PasswordChange,
    PasswordChanged,
    PasswordResetUse,
    RefreshRequest,
    RotateRequest,
    TokenPair,
)
from aipair.auth.service import IssuedTokens
from aipair.db.dependencies import Sessions
from aipair.db.engine import DbContext, transaction
from aipair.kit.pagination import Page, Pagination
from aipair.tenancy.dependencies import Tenancy
from aipair.tenancy.schemas import InvitationAccept, InvitationJoin

router = APIRouter(prefix="/auth", tags=["auth"])
keys_router = APIRouter(prefix="/api/keys", tags=["api keys"])


def _pair(tokens: IssuedTokens) -> TokenPair:
    return TokenPair(
        access_token=tokens.access_token, refresh_token=tokens.refresh_token, expires_in=tokens.expires_in
    )


@router.post("/login", response_model=TokenPair)
async def login(body: LoginRequest, auth: Auth, client: Client) -> TokenPair:
    """Sign in with e-mail and password. Wrong password, unknown e-mail and a locked account all
    answer 401 `invalid_credentials`; 10 failures in an hour lock the account and the source address."""
    return _pair(await auth.login(body.email, body.password, body.company, client))


@router.post("/refresh", response_model=TokenPair)
async def refresh(
    body: RefreshRequest,
    auth: Auth,
) -> TokenPair:
    """Exchange a refresh token for a new pair. Each refresh token works once; reuse revokes the session."""
    return _pair(await auth.refresh(body.refresh_token))


@router.post("/logout", status_code=204)
async def logout(body: RefreshRequest, auth: Auth, client: Client) -> Response:
    """End the session of this refresh token; its access tokens stop working at once."""
    await auth.logout(body.refresh_token, client)
    return Response(status_code=204)


@router.get("/user", response_model=CurrentUser)
async def current_user(
    principal: AnyCaller,
    session: TenantSession,
    auth: Auth,
) -> CurrentUser:
    """The caller: user (or key), the company it acts in, its role and its memberships."""
    user, memberships = await auth.account(session, principal)
    return CurrentUser(
        id=principal.user_id,
        email=user.email if user else None,
        name=user.name if user else None,
        kind=principal.kind,
        company_id=principal.company_id,
        role=principal.role.value,
        platform_role=principal.platform_role or None,
        memberships=[
            CompanyMembershipRead(company_id=m.company_id, slug=m.company_slug, role=m.role)
            for m in memberships
        ],
    )


@router.post("/password", response_model=PasswordChanged)
async def change_password(
    body: PasswordChange, principal: UserPrincipal, passwords: PasswordChanges
) -> PasswordChanged:
    """Change your password: give the current one and a new one (checked against the password policy,
    which refuses common, leaked and guessable passwords and says why). Every other session of your
    account ends, in every company; this one stays. A wrong current password answers 403
    `wrong_password` and counts as a failed sign-in (the account locks like at `/auth/login`)."""
    ended = await passwords.change(principal, body.current_password, body.new_password)
    return PasswordChanged(sessions_ended=ended)


@router.post("/password/reset", status_code=204)
async def reset_password(body: PasswordResetUse, passwords: PasswordChanges, client: Client) -> Response:
    """Set a new password with a one-time reset code (issued by an administrator, or e-mailed to you). The
    code works once, before it expires; every session of the account ends and its sign-in lock is lifted.
    An unknown, used, replaced or expired code answers 400 `invalid_reset_token`."""
    await passwords.reset(body.token, body.new_password, client)
    return Response(status_code=204)


@router.post("/invitations/accept", status_code=204)
async def accept_invitation(
    body: InvitationAccept, sessions: Sessions, tenancy: Tenancy, client: Client
) -> Response:
    """Accept an invitation sent to an address that has no account yet: choose your name and password,
    then sign in. An address that already has an account answers 409 `sign_in_to_accept`: sign in and
    use `POST /auth/invitations/join`."""
    async with transaction(sessions, DbContext()) as session:
        await tenancy.invitations.accept_new_account(session, body.token, body.name, body.password, client)
    return Response(status_code=204)


@router.post("/invitations/join", status_code=204)
async def join_company(
    body: InvitationJoin,
    principal: UserPrincipal,
    sessions: Sessions,
    tenancy: Tenancy,
) -> Response:
    """Join the company that invited you, with the account you are signed in with (the invitation must
    have been sent to this account's address; any other answers 404 `invitation_invalid`)."""
    assert principal.user_id is not None
    async with transaction(sessions, DbContext(user_id=principal.user_id)) as session:
        await tenancy.invitations.join(session, body.token, principal.user_id, principal.origin)
    return Response(status_code=204)


def _created(created: CreatedKey) -> ApiKeyCreated:
    return ApiKeyCreated.model_validate(
        {**ApiKeyRead.model_validate(created.row).model_dump(), "key": created.secret}
    )


@keys_router.get("", response_model=Page[ApiKeyRead])
async def list_keys(
    principal: AdminPrincipal,
    session: TenantSession,
    page: Pagination,
    keys: ApiKeys,
) -> Page[ApiKeyRead]:
    """The company's API keys (never their secrets), newest first."""
    rows = await keys.list(session, principal, page.limit, page.offset)
    return Page.of([ApiKeyRead.model_validate(r) for r in rows], page)


@keys_router.post("", response_model=ApiKeyCreated, status_code=201)
async def create_key(
    body: ApiKeyCreate,
    principal: AdminPrincipal,
    session: TenantSession,
    keys: ApiKeys,
) -> ApiKeyCreated:
    """Create an API key. The `key` field is shown once; only its hash is stored."""
    return _created(await keys.create(session, principal, body))


@keys_router.get("/{key_id}", response_model=ApiKeyRead)
async def get_key(
    key_id: uuid.UUID,
    principal: AdminCaller,
    session: TenantSession,
    keys: ApiKeys,
) -> ApiKeyRead:
    """One API key of the company."""
    return ApiKeyRead.model_validate(await keys.get(session, principal, key_id))


@keys_router.delete("/{key_id}", response_model=ApiKeyRead)
async def revoke_key(
    key_id: uuid.UUID,
    principal: AdminCaller,
    session: TenantSession,
    keys: ApiKeys,
) -> ApiKeyRead:
    """Revoke an API key at once."""
    return ApiKeyRead.model_validate(await keys.revoke(session, principal, key_id))


@keys_router.post("/{key_id}/rotate", response_model=ApiKeyCreated, status_code=201)
async def rotate_key(
    key_id: uuid.UUID,
    body: RotateRequest,
    principal: AdminCaller,
    session: TenantSession,
    keys: ApiKeys,
) -> ApiKeyCreated:
    """Issue a successor key; the old one keeps working for the grace period (default 24 h)."""
    return _created(await keys.rotate(session, principal, key_id, body.grace_hours))
