"""Errors of the tenancy domain."""

from __future__ import annotations

from aipair.errors import Conflict, Forbidden, NotFound


class PlatformNotReady(Conflict):
    """The platform company or its SUPER_ADMIN does not exist yet: run ``aipair init``."""

    code = "platform_not_initialised"
    default_message = "The platform is not initialised: run `aipair init` first"


class MemberNotActive(Conflict):
    """The member has not accepted their invitation yet, or was deactivated."""

    code = "member_not_active"
    default_message = "This member is not active"


class CompanyNotFound(NotFound):
    """No such company visible to the caller."""

    code = "company_not_found"
    default_message = "Company not found"


class MemberNotFound(NotFound):
    """No such member in this company."""

    code = "member_not_found"
    default_message = "Member not found"


class SlugTaken(Conflict):
    """Another company already uses the slug."""

    code = "slug_taken"
    default_message = "This slug is already in use"


class AlreadyMember(Conflict):
    """The person is already a member of the company."""

    code = "already_member"
    default_message = "This person is already a member"


class UserLimitReached(Conflict):
    """The plan's user limit is reached."""

    code = "user_limit_reached"
    default_message = "The company has reached its user limit"


class RoleNotAllowed(Forbidden):
    """The caller may not grant, change or remove this role."""

    code = "role_not_allowed"
    default_message = "You may only manage roles below your own"


class LastOwner(Conflict):
    """The company must keep at least one active owner."""

    code = "last_owner"
    default_message = "A company must keep at least one active owner"


class InvitationInvalid(NotFound):
    """The invitation is unknown, expired or already used."""

    code = "invitation_invalid"
    default_message = "Invitation not found or expired"


class InvitationNotFound(NotFound):
    """No such pending invitation in this company."""

    code = "invitation_not_found"
    default_message = "Invitation not found"


class SignInToAccept(Conflict):
    """The invited address has an account: its owner accepts signed in, never by setting a password."""

    code = "sign_in_to_accept"
    default_message = "This address already has an account: sign in and join with the invitation"


class OverrideTooLarge(Conflict):
    """Temporary overrides may lift a limit only so far above the company's own value."""

    code = "limit_increase_too_large"
    default_message = "The temporary increase is larger than allowed"


class LimitUnbounded(Conflict):
    """The limit has no value to raise (a CUSTOM plan without it)."""

    code = "limit_not_set"
    default_message = "This company has no such limit to raise"
