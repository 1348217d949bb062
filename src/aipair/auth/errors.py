"""Errors of the auth domain. Credential failures never say which part was wrong."""

from __future__ import annotations

from aipair.errors import (
    AppError,
    BadRequest,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
)


class InvalidCredentials(Unauthorized):
    """Wrong password, unknown e-mail or locked account: one answer for all three."""

    code = "invalid_credentials"
    default_message = "Invalid email or password"


class SignInThrottled(TooManyRequests):
    """Too many failed sign-ins from this address lately: wait ``Retry-After`` seconds (never a lock)."""

    code = "too_many_attempts"
    default_message = "Too many failed sign-ins from your address: try again shortly"


class AccountShared(Forbidden):
    """The account belongs to other companies too: only the platform operator may act on it."""

    code = "account_shared"
    default_message = "This account also belongs to other companies: the platform operator can do this"


class InvalidToken(Unauthorized):
    """The access token is missing, malformed, expired or revoked."""

    code = "invalid_token"
    default_message = "Invalid or expired token"


class InvalidRefreshToken(Unauthorized):
    """The refresh token is unknown, expired, revoked or was already used."""

    code = "invalid_refresh_token"
    default_message = "Invalid or expired refresh token"


class InvalidApiKey(Unauthorized):
    """The API key is unknown, expired or revoked."""

    code = "invalid_api_key"
    default_message = "Invalid API key"


class WeakPassword(ValidationFailed):
    """The password does not meet the password policy."""

    code = "weak_password"
    default_message = "Password does not meet the password policy"


class WrongPassword(Forbidden):
    """The current password given to change it is wrong (or the account is locked): it counts as a
    failed sign-in."""

    code = "wrong_password"
    default_message = "Your current password is not correct"


class InvalidResetToken(BadRequest):
    """The password reset code is unknown, used, expired or replaced by a newer one."""

    code = "invalid_reset_token"
    default_message = "This password reset code is not valid: ask for a new one"


class AccountNotFound(NotFound):
    """No account has this e-mail address."""

    code = "account_not_found"
    default_message = "No account has this e-mail address"


class MailFailed(AppError):
    """The e-mail could not be handed to the SMTP server: nothing was changed."""

    status_code = 502
    code = "mail_failed"
    default_message = "The e-mail could not be sent: nothing was changed, try again later"


class CompanyInactive(Forbidden):
    """The company is suspended or cancelled and may not act."""

    code = "company_inactive"
    default_message = "This company is suspended or cancelled"


class InsufficientScope(Forbidden):
    """The API key lacks the scope this route needs."""

    code = "insufficient_scope"
    default_message = "The API key does not have the required scope"


class PersonRequired(Forbidden):
    """Only a person signed in with their own account may do this (not an API key)."""

    code = "person_required"
    default_message = "Sign in with your own account to do this"


class RoleRequired(Forbidden):
    """The caller's role may not do this."""

    code = "role_required"
    default_message = "Your role may not do this"


__all__ = [
    "AccountNotFound",
    "AccountShared",
    "AppError",
    "CompanyInactive",
    "InsufficientScope",
    "InvalidApiKey",
    "InvalidCredentials",
    "InvalidRefreshToken",
    "InvalidResetToken",
    "InvalidToken",
    "MailFailed",
    "PersonRequired",
    "RoleRequired",
    "SignInThrottled",
    "WeakPassword",
    "WrongPassword",
]
