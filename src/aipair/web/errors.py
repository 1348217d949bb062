"""Errors of the console (rendered as pages, never as JSON)."""

from __future__ import annotations

from aipair.errors import AppError, Forbidden


class SignInRequired(AppError):
    """No console session, or it ended: the person signs in again and comes back to ``next``."""

    status_code = 401
    code = "sign_in_required"
    default_message = "Please sign in"

    def __init__(self, next_path: str = "/"):
        super().__init__()
        self.next_path = next_path


class CsrfRejected(Forbidden):
    """A form arrived without this session's CSRF token (another site's form, or a stale page)."""

    code = "csrf_rejected"
    default_message = "This form has expired or did not come from this site. Reload the page and try again."
