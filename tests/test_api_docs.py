"""The API guide (``docs/api.md``) shows a request for every group of routes the application serves."""

from __future__ import annotations

import re
from pathlib import Path

from aipair.app import create_app
from aipair.config import Settings

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "api.md"
REQUEST_LINE = re.compile(r"^(?:GET|POST|PUT|PATCH|DELETE) (/[^\s?]*)", re.M)


def group_of(path: str) -> str:
    """``/api/<name>`` for the company and platform API, else the first segment (``/v1``, ``/auth``)."""
    parts = path.strip("/").split("/")
    return "/" + "/".join(parts[:2] if parts[0] == "api" else parts[:1])


def shown_requests(guide: str) -> list[str]:
    """The request paths of the guide's ``http`` examples."""
    blocks = re.findall(r"```http\n(.*?)```", guide, flags=re.S)
    return [path for block in blocks for path in REQUEST_LINE.findall(block)]


def test_every_route_group_has_a_request_in_the_api_guide(tmp_path: Path) -> None:
    app = create_app(Settings(_env_file=None, data_dir=tmp_path))  # type: ignore[call-arg]
    groups = {group_of(path) for path in app.openapi()["paths"] if path not in ("/openapi.json",)}
    shown = {group_of(path) for path in shown_requests(GUIDE.read_text())}
    assert "/api/members" in groups and "/v1" in groups
    assert sorted(groups - shown) == [], "add a request and its answer to docs/api.md"


def test_a_group_without_a_request_is_found() -> None:
    guide = "```http\nGET /api/limits\n```\n```json\n200 {}\n```\nAlso `GET /api/plans`.\n"
    assert {group_of(p) for p in shown_requests(guide)} == {"/api/limits"}
