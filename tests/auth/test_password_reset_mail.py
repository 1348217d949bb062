"""With an SMTP server configured, a reset code goes to the account's own address and to nobody else;
when the server cannot take the message, no code is issued. The server is a real SMTP receiver on
loopback (aiosmtpd, in a thread)."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI

from aipair.config import Settings, SmtpSettings
from aipair.db.urls import DatabaseUrls
from tests.auth.conftest import OwnerSql
from tests.fixtures.database import app_on, initialised_runtime
from tests.fixtures.tenants import PASSWORD, Tenant

NEW_PASSWORD = "Copper-Kettle-Harbour-19"


@dataclass
class MailSink:
    """An SMTP server that keeps every message it accepts."""

    port: int
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[MailSink, Controller]]:
    sink = MailSink(free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink, controller
    finally:
        if getattr(controller, "_thread", None) is not None:
            controller.stop()


@pytest.fixture(scope="module")
async def mailing_app(
    settings: Settings, urls: DatabaseUrls, smtp: tuple[MailSink, Controller]
) -> AsyncIterator[FastAPI]:
    """The API with an SMTP server to send from (plain SMTP on loopback)."""
    server = SmtpSettings(
        host="127.0.0.1", port=smtp[0].port, security="none", sender="aipair@platform.example"
    )
    mailing = settings.model_copy(update={"smtp": server})
    async with initialised_runtime(mailing, urls) as built:
        yield app_on(mailing, built)


@pytest.fixture
async def api(mailing_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=mailing_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_the_reset_code_is_e_mailed_to_the_account_and_never_shown(
    api: httpx.AsyncClient, tenant: Tenant, smtp: tuple[MailSink, Controller]
) -> None:
    sink, _ = smtp
    email = tenant.emails["EMPLOYEE"]

    issued = await api.post(
        f"/api/members/{tenant.member_ids['EMPLOYEE']}/password-reset", headers=tenant.auth("ADMIN")
    )

    assert issued.status_code == 201, issued.text
    assert issued.json()["delivery"] == "email" and issued.json()["token"] is None
    message = next(m for m in sink.messages if m["To"] == email)
    assert message["From"] == "aipair@platform.example"
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    code = re.search(r"^\s{4}(\S+)\s*$", body, re.MULTILINE)
    assert code is not None, body
    done = await api.post("/auth/password/reset", json={"token": code.group(1), "new_password": NEW_PASSWORD})
    assert done.status_code == 204, done.text
    signed_in = await api.post("/auth/login", json={"email": email, "password": NEW_PASSWORD})
    assert signed_in.status_code == 200


async def test_when_the_mail_server_is_down_no_code_is_issued(
    api: httpx.AsyncClient, tenant: Tenant, smtp: tuple[MailSink, Controller], owner_sql: OwnerSql
) -> None:
    _, controller = smtp
    controller.stop()

    issued = await api.post(
        f"/api/members/{tenant.member_ids['EMPLOYEE']}/password-reset", headers=tenant.auth("ADMIN")
    )

    assert issued.status_code == 502 and issued.json()["error"]["code"] == "mail_failed"
    codes = await owner_sql(
        "SELECT count(*) AS n FROM auth.password_resets r JOIN users u ON u.id = r.user_id"
        " WHERE lower(u.email) = %s",
        tenant.emails["EMPLOYEE"],
    )
    assert codes[0]["n"] == 0
    assert (
        await api.post("/auth/login", json={"email": tenant.emails["EMPLOYEE"], "password": PASSWORD})
    ).status_code == 200
