"""A console session driven over HTTP (in process): sign in through the form, keep the cookies by hand
(they are Secure, and the test client speaks plain http), read each page's CSRF token."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import httpx

from tests.fixtures.tenants import PASSWORD

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def set_cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    """The response's Set-Cookie headers by cookie name (with their attributes)."""
    found: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            found[name] = cookie
    return found


@dataclass
class ConsoleUser:
    client: httpx.AsyncClient
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""

    def _headers(self) -> dict[str, str]:
        return {"cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def _keep(self, response: httpx.Response) -> None:
        for name, cookie in set_cookies(response).items():
            value = cookie[name].value
            if value and cookie[name]["max-age"] != "0":
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        if found := TOKEN.search(response.text):
            self.csrf = found.group(1)

    async def get(self, path: str) -> httpx.Response:
        response = await self.client.get(path, headers=self._headers())
        self._keep(response)
        return response

    async def post(
        self, path: str, data: dict[str, Any] | None = None, csrf: str | None = None
    ) -> httpx.Response:
        form = dict(data or {})
        token = self.csrf if csrf is None else csrf
        if token:
            form["csrf_token"] = token
        response = await self.client.post(path, data=form, headers=self._headers())
        self._keep(response)
        return response


async def signed_in(client: httpx.AsyncClient, email: str) -> ConsoleUser:
    """A person signed in to the console through its form."""
    user = ConsoleUser(client)
    await user.get("/sign-in")
    answer = await user.post("/sign-in", {"email": email, "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    await user.get("/account")
    return user
