"""CSRF protection: every form carries a token bound to the session (or, before sign-in, to a random
pre-session cookie); every unsafe request without the right token is refused before its handler runs."""

from __future__ import annotations

from fastapi import Request

from aipair.auth.errors import InvalidToken
from aipair.web.sessions import PRE_SESSION_COOKIE, SESSION_COOKIE, ConsoleSessions

FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_binding(request: Request, sessions: ConsoleSessions) -> str:
    """What this request's form token is bound to: the session id, else the pre-session cookie."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            return "session:" + sessions.session_id(cookie)
        except InvalidToken:
            pass
    pre = getattr(request.state, "pre_session", None) or request.cookies.get(PRE_SESSION_COOKIE)
    return "pre:" + (pre or "")


async def csrf_ok(request: Request, sessions: ConsoleSessions) -> bool:
    """True when an unsafe request carries its binding's token (form field or header)."""
    if request.method in SAFE_METHODS:
        return True
    token = request.headers.get(HEADER)
    if token is None:
        form = await request.form()
        value = form.get(FIELD)
        token = value if isinstance(value, str) else None
    binding = csrf_binding(request, sessions)
    return not binding.endswith(":") and sessions.csrf_valid(binding, token)
