"""HTML forms into the API's own input models: the console validates exactly as the API does."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from aipair.errors import ValidationFailed
from aipair.web.csrf import FIELD

M = TypeVar("M", bound=BaseModel)


async def form_values(request: Request, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """The submitted fields (blank ones left out; ``lists`` keep every value), without the CSRF token."""
    form = await request.form()
    values: dict[str, Any] = {}
    for name in {k for k in form if k != FIELD}:
        if name in lists:
            values[name] = [v for v in form.getlist(name) if isinstance(v, str) and v.strip()]
            continue
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            values[name] = value.strip()
    return values


def parse(model: type[M], values: dict[str, Any]) -> M:
    """``values`` as ``model``, or :class:`ValidationFailed` naming the first wrong field."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "form"
        raise ValidationFailed(f"{field}: {first['msg']}") from None


async def parse_form(request: Request, model: type[M], lists: tuple[str, ...] = ()) -> M:
    return parse(model, await form_values(request, lists))
