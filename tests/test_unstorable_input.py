"""Characters PostgreSQL cannot store (NUL, lone surrogates) are refused with 422, never a 500.

The walk sends them in every string field and string parameter of the OpenAPI schema, signed in as an
owner; the named cases are the ones that answered 500 before.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI

from tests.fixtures.tenants import Tenant

NUL = "a\u0000b"
SURROGATE = "a\ud800b"


def raw_json(body: dict[str, Any]) -> bytes:
    """JSON with ``\\uXXXX`` escapes, as any client may send (lone surrogates included)."""
    return json.dumps(body, ensure_ascii=True).encode()


async def post_json(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    headers = {**(headers or {}), "content-type": "application/json"}
    return await client.request(method, url, content=raw_json(body), headers=headers)


def refused(response: httpx.Response) -> bool:
    return response.status_code == 422 and response.json()["error"]["code"] == "invalid_characters"


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
async def test_sign_in_with_a_bad_character_is_422_without_signing_in(
    client: httpx.AsyncClient, bad: str
) -> None:
    response = await post_json(client, "POST", "/auth/login", {"email": f"{bad}@b.cd", "password": "x"})

    assert refused(response), response.text


@pytest.mark.parametrize(
    "url",
    ["/api/meetings?q=%00", "/api/audit?action=%00", "/api/audit?target_type=a%00b", "/api/members/%00"],
)
async def test_nul_in_a_query_or_path_is_422(client: httpx.AsyncClient, tenant: Tenant, url: str) -> None:
    response = await client.get(url, headers=tenant.auth("OWNER"))

    assert refused(response), f"{url}: {response.status_code} {response.text}"


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "/api/members", {"email": "x{bad}@example.com"}),
        ("POST", "/api/keys", {"name": "key {bad}"}),
        ("PATCH", "/api/companies/{company}", {"name": "Acme {bad}"}),
        ("PUT", "/api/budget", {"webhook_url": "https://example.com/{bad}"}),
    ],
    ids=["member-email", "key-name", "company-name", "webhook-url"],
)
async def test_bad_characters_in_json_fields_are_422_and_change_nothing(
    client: httpx.AsyncClient, tenant: Tenant, bad: str, method: str, url: str, body: dict[str, str]
) -> None:
    filled = {k: v.replace("{bad}", bad) for k, v in body.items()}
    target = url.format(company=tenant.id)

    response = await post_json(client, method, target, filled, tenant.auth("OWNER"))

    assert refused(response), f"{target}: {response.status_code} {response.text}"
    company = await client.get(f"/api/companies/{tenant.id}", headers=tenant.auth("OWNER"))
    assert "\x00" not in company.text and "Acme" not in company.json()["name"]


async def test_nul_in_a_meeting_title_is_422(client: httpx.AsyncClient, tenant: Tenant) -> None:
    files = {"file": ("sync.txt", b"Ana: Hello there.\nBob: Hi.\n", "text/plain")}

    response = await client.post(
        "/api/meetings", files=files, data={"title": f"Sync {NUL}"}, headers=tenant.auth("OWNER")
    )

    assert refused(response), f"{response.status_code} {response.text}"


async def test_escaped_text_that_only_looks_like_nul_is_accepted(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    literal = {"name": "backslash-u \\u0000 and an emoji \U0001f600"}

    response = await post_json(client, "POST", "/api/keys", literal, tenant.auth("OWNER"))

    assert response.status_code == 201, response.text
    assert response.json()["name"] == literal["name"]


def string_fields(schema: dict[str, Any], components: dict[str, Any]) -> list[str]:
    """Names of the string properties of a request body schema (following ``$ref``)."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    names = []
    for name, prop in schema.get("properties", {}).items():
        options = prop.get("anyOf", [prop])
        if any(
            option.get("type") == "string" and "format" not in option and "enum" not in option
            for option in options
        ):
            names.append(name)
    return names


def walk(app: FastAPI) -> list[tuple[str, str, str, str]]:
    """(method, path, where, name) for every string field, query and path parameter of the schema."""
    spec = app.openapi()
    components = spec["components"]["schemas"]
    found = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            for param in operation.get("parameters", []):
                if param["schema"].get("type") == "string" or "anyOf" in param["schema"]:
                    found.append((method.upper(), path, param["in"], param["name"]))
            content = operation.get("requestBody", {}).get("content", {})
            for media, body in content.items():
                where = "json" if media == "application/json" else "form"
                found.extend(
                    (method.upper(), path, where, n) for n in string_fields(body["schema"], components)
                )
    return found


def encoded(text: str) -> bytes:
    """UTF-8 as a careless client sends it: lone surrogates written out as their three bytes."""
    return text.encode("utf-8", "surrogatepass")


def multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    """A multipart body with ``fields`` and a small transcript file, built by hand (any bytes)."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + encoded(value)
        + b"\r\n"
        for name, value in fields.items()
    ]
    transcript = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="t.txt"\r\n'
        "Content-Type: text/plain\r\n\r\nAna: Hello.\r\n"
    ).encode()
    return b"".join(
        [*parts, transcript, f"--{boundary}--\r\n".encode()]
    ), f"multipart/form-data; boundary={boundary}"


def request_for(path: str, where: str, name: str, bad: str) -> tuple[str, bytes | None, dict[str, str]]:
    """URL, body and content type of a request putting ``bad`` in the field ``name``."""
    values = {p: str(uuid.uuid4()) for p in re.findall(r"\{(\w+)\}", path)}
    if where == "path":
        values[name] = quote(bad, safe="", errors="surrogatepass")
    url = path.format(**values)
    if where == "query":
        url += f"?{name}=" + quote(bad, safe="", errors="surrogatepass")
    if where == "json":
        return url, raw_json({name: bad}), {"content-type": "application/json"}
    if where == "form":
        body, content_type = multipart({name: bad})
        return url, body, {"content-type": content_type}
    return url, None, {}


def test_the_walk_reaches_many_fields(app: FastAPI) -> None:
    assert len(walk(app)) > 60
    assert {where for *_, where, _ in walk(app)} >= {"json", "form", "query", "path"}


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
async def test_no_string_field_of_the_api_answers_5xx_with_bad_characters(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant, bad: str
) -> None:
    failures = []
    for method, path, where, name in walk(app):
        url, body, headers = request_for(path, where, name, bad)
        response = await client.request(
            method, url, content=body, headers={**tenant.auth("OWNER"), **headers}
        )
        if response.status_code >= 500:
            failures.append(f"{method} {path} {where}:{name} -> {response.status_code}")
    assert failures == []


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
async def test_ai_calls_with_bad_characters_are_422_in_openais_shape(
    client: httpx.AsyncClient, tenant: Tenant, bad: str
) -> None:
    chats = [
        {"model": f"local{bad}", "messages": [{"role": "user", "content": "hi"}]},
        {"model": "local", "messages": [{"role": "user", "content": f"hi {bad}"}], "user": bad},
    ]
    for chat in chats:
        response = await post_json(client, "POST", "/v1/chat/completions", chat, tenant.auth("EMPLOYEE"))
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "invalid_characters"
        assert response.json()["error"]["type"] == "invalid_request_error"


async def test_a_transcription_model_with_nul_never_answers_5xx(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body, content_type = multipart({"model": f"whisper{NUL}"})

    response = await client.post(
        "/v1/audio/transcriptions",
        content=body,
        headers={**tenant.auth("EMPLOYEE"), "content-type": content_type},
    )

    assert 400 <= response.status_code < 500, response.text
