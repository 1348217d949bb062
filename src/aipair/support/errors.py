"""Errors of support access."""

from __future__ import annotations

from aipair.errors import Conflict, Forbidden, NotFound, ValidationFailed


class NoSupportAccess(NotFound):
    """Platform staff without an open grant for the company: it looks like no such company."""

    code = "company_not_found"
    default_message = "Company not found"


class SupportReadOnly(Forbidden):
    """The open grant has read scope; this request would change data."""

    code = "support_read_only"
    default_message = "Your support grant for this company is read-only"


class CompanyHeaderForbidden(Forbidden):
    """Only platform staff (SUPPORT, SUPER_ADMIN) may act inside another company."""

    code = "company_header_forbidden"
    default_message = "Only platform staff may select a company with X-Aipair-Company"


class GrantNotFound(NotFound):
    """No such support grant visible to the caller."""

    code = "support_grant_not_found"
    default_message = "Support grant not found"


class GrantNotPending(Conflict):
    """Only a requested, unexpired grant can be approved."""

    code = "support_grant_not_pending"
    default_message = "This grant is not waiting for approval"


class GrantDurationTooLong(ValidationFailed):
    """The requested duration is longer than the settings allow."""

    code = "support_grant_too_long"
    default_message = "The grant is longer than allowed"


class LimitIncreaseInvalid(ValidationFailed):
    """The temporary increase's expiry is in the past or too far away."""

    code = "limit_increase_invalid"
    default_message = "This temporary increase cannot be applied"
