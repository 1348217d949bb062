"""Plain-text e-mail through an SMTP server (STARTTLS or TLS, optional login), sent off the event loop."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

import anyio.to_thread


class MailNotSent(Exception):
    """The SMTP server refused the message or could not be reached."""


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send: ``security`` is ``starttls``, ``tls`` (implicit, port 465) or ``none``
    (a relay on a trusted network only)."""

    host: str
    port: int
    sender: str
    security: str = "starttls"
    username: str | None = None
    password: str | None = None
    timeout_s: float = 10.0


class Mailer:
    """Sends one message at a time; each message opens its own connection."""

    def __init__(self, server: SmtpServer | None) -> None:
        self._server = server

    @property
    def configured(self) -> bool:
        """True when an SMTP server is set (otherwise nothing can be e-mailed)."""
        return self._server is not None

    async def send(self, to: str, subject: str, body: str) -> None:
        """Send a plain-text message; raises :class:`MailNotSent` (or ``RuntimeError`` when unconfigured)."""
        if self._server is None:
            raise RuntimeError("no SMTP server is configured")
        message = EmailMessage()
        message["From"] = self._server.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        try:
            await anyio.to_thread.run_sync(_deliver, self._server, message)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailNotSent(f"{type(exc).__name__}: {exc}") from exc


def _deliver(server: SmtpServer, message: EmailMessage) -> None:
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if server.security == "tls":
        client = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout_s, context=context)
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=server.timeout_s)
    with client:
        if server.security == "starttls":
            client.starttls(context=context)
        if server.username:
            client.login(server.username, server.password or "")
        client.send_message(message)
