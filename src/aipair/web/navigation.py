"""What the console's menu offers each person."""

from __future__ import annotations

from dataclasses import dataclass

from aipair.auth.principal import Principal
from aipair.tenancy.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    current: bool


_CUSTOMER: tuple[tuple[str, str, Role], ...] = (
    ("Dashboard", "/dashboard", Role.MANAGER),
    ("Meetings", "/meetings", Role.EMPLOYEE),
    ("My action items", "/action-items", Role.EMPLOYEE),
    ("Members", "/members", Role.ADMIN),
    ("API keys", "/keys", Role.ADMIN),
    ("Budget", "/settings/budget", Role.ADMIN),
    ("AI settings", "/settings/ai", Role.ADMIN),
    ("Audit log", "/audit", Role.ADMIN),
    ("Support access", "/support-access", Role.ADMIN),
)
_STAFF: tuple[tuple[str, str, Role], ...] = (
    ("Companies", "/platform/companies", Role.SUPER_ADMIN),
    ("Support grants", "/platform/grants", Role.SUPPORT),
    ("Security", "/platform/security", Role.SUPPORT),
    ("Operations", "/operations", Role.SUPER_ADMIN),
)


def _allowed(principal: Principal, minimum: Role) -> bool:
    if minimum == Role.SUPER_ADMIN:
        return principal.platform_role == Role.SUPER_ADMIN
    if minimum == Role.SUPPORT:
        return bool(principal.platform_role)
    return principal.at_least(minimum)


def navigation(principal: Principal, current_path: str) -> list[NavItem]:
    """Menu entries for the principal: staff get the platform pages (and, inside a company under a
    grant, that company's pages); customers get their company's pages by role."""
    entries = _STAFF if principal.in_platform_context else _CUSTOMER
    if principal.support is not None:
        entries = tuple(e for e in _CUSTOMER if e[1] not in ("/action-items",))
        return [NavItem(label, path, current_path.startswith(path)) for label, path, _ in entries]
    return [
        NavItem(label, path, current_path.startswith(path))
        for label, path, minimum in entries
        if _allowed(principal, minimum)
    ]
