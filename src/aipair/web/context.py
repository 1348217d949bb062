"""The console's view of one request: who is signed in, where they act, and how pages are answered."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import HTMLResponse, RedirectResponse

from aipair.auth.principal import Principal
from aipair.tenancy.models import Role
from aipair.web.navigation import NavItem, navigation
from aipair.web.notices import notice_text
from aipair.web.rendering import render


@dataclass(frozen=True)
class Acting:
    """Platform staff acting inside a customer company under a grant (the banner says so)."""

    company_id: str
    company_name: str
    scope: str
    expires_at: datetime | None


@dataclass
class Console:
    """One signed-in request of the console."""

    request: Request
    principal: Principal
    db: AsyncSession
    csrf: str
    user_name: str | None = None
    user_email: str | None = None
    memberships: list[Any] = field(default_factory=list)
    company_name: str = ""
    acting: Acting | None = None

    @property
    def role(self) -> Role:
        return self.principal.role

    @property
    def nav(self) -> list[NavItem]:
        return navigation(self.principal, self.request.url.path)

    def at_least(self, role: Role) -> bool:
        return self.principal.at_least(role)

    def page(self, template: str, *, status_code: int = 200, **data: Any) -> HTMLResponse:
        """Render ``template`` inside the console's layout."""
        notice = notice_text(self.request.query_params.get("notice"))
        context = {"console": self, "csrf": self.csrf, "notice": notice, "request": self.request, **data}
        return render(self.request.app.state.console_templates, template, context, status_code)


def redirect(path: str, notice: str | None = None, **query: str) -> RedirectResponse:
    """See-other to ``path`` (after a form), with a fixed notice key the next page shows."""
    params = {k: v for k, v in query.items() if v}
    if notice:
        params["notice"] = notice
    return RedirectResponse(f"{path}?{urlencode(params)}" if params else path, status_code=303)
