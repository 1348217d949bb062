"""Jinja2 templates of the console, their filters, and the security headers every page carries."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

TEMPLATES = Path(__file__).parent / "templates"
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}


def usd(value: Decimal | int | float | None, places: int = 2) -> str:
    """Money for people: ``$1,234.56``; small amounts keep their cents' fractions."""
    if value is None:
        return "—"
    amount = Decimal(value)
    if 0 < abs(amount) < Decimal("0.01"):
        places = 6
    return f"${amount:,.{places}f}"


def number(value: int | float | Decimal | None) -> str:
    return "—" if value is None else f"{value:,}"


def when(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def build_environment() -> Environment:
    """The console's template environment (autoescaped; an undefined name is an error, not a blank)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(usd=usd, number=number, when=when)
    return env


def render(env: Environment, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A page with the console's security headers."""
    html = env.get_template(template).render(context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
