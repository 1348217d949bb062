"""What a database failure looks like from the application, and the error it becomes (503, not 500).

A request or job that meets a database which is down, restarting, paused or too slow answers
``503 database_unavailable`` with ``Retry-After``: the client retries later, nothing is half-written
(every transaction rolled back). :func:`failure_kind` recognises such failures, whatever layer raised
them (the pools, SQLAlchemy, asyncpg, the socket), so the error handlers and the worker can tell them
from bugs.
"""

from __future__ import annotations

import traceback
from typing import Literal

import asyncpg
from sqlalchemy import exc as sa

from aipair.errors import ServiceUnavailable

FailureKind = Literal["unavailable", "timeout"]
RETRY_AFTER_S = 2


class DatabaseUnavailable(ServiceUnavailable):
    """The database is down, restarting or not answering in time; retry after a few seconds."""

    code = "database_unavailable"
    default_message = "The database is unavailable right now; retry shortly"

    def __init__(self, message: str | None = None, *, kind: FailureKind = "unavailable"):
        super().__init__(message, headers={"Retry-After": str(RETRY_AFTER_S)})
        self.kind: FailureKind = kind


_LOST = (
    asyncpg.PostgresConnectionError,  # connection lost, refused by the server, failed
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.AdminShutdownError,  # terminated by an administrator or a shutdown
    asyncpg.InterfaceError,  # the connection was closed or left in a broken state
    asyncpg.InternalClientError,  # a protocol state the connection cannot continue from
    ConnectionError,
)


def failure_kind(exc: BaseException) -> FailureKind | None:
    """``unavailable`` or ``timeout`` when ``exc`` says the database could not be used, else None."""
    if isinstance(exc, DatabaseUnavailable):
        return exc.kind
    if isinstance(exc, sa.TimeoutError):  # no pooled connection freed up in time
        return "timeout"
    if isinstance(exc, sa.DBAPIError):
        if exc.connection_invalidated:
            return "unavailable"
        return failure_kind(exc.orig) if exc.orig is not None and exc.orig is not exc else None
    if isinstance(exc, asyncpg.QueryCanceledError):  # statement_timeout
        return "timeout"
    if isinstance(exc, _LOST):
        return "unavailable"
    if isinstance(exc, (TimeoutError, OSError)) and _raised_by_driver(exc):
        return "timeout" if isinstance(exc, TimeoutError) else "unavailable"
    cause = exc.__cause__
    return failure_kind(cause) if cause is not None and cause is not exc else None


def _raised_by_driver(exc: BaseException) -> bool:
    """True when the exception came out of the database driver (a command or connect timeout)."""
    return any(
        str(frame.f_globals.get("__name__", "")).startswith(("asyncpg", "sqlalchemy"))
        for frame, _ in traceback.walk_tb(exc.__traceback__)
    )


def as_unavailable(exc: BaseException) -> DatabaseUnavailable | None:
    """The 503 to answer for ``exc``, or None when it is not a database failure."""
    if isinstance(exc, DatabaseUnavailable):
        return exc
    kind = failure_kind(exc)
    return None if kind is None else DatabaseUnavailable(kind=kind)
