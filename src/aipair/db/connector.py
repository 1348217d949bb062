"""Every connection of the application role comes from here: bounded, traceable, and refused fast
while the database is known to be down.

- Bounded: a connect timeout, ``statement_timeout`` on the server (sent at connect, or set for the role
  behind a transaction pooler) and a command timeout on the client (a paused server enforces nothing).
- Follows the server: on the embedded PostgreSQL the port is read again for every new connection, so a
  server restarted on another port is found without restarting the application.
- Refused fast: while :class:`~aipair.db.watch.DatabaseWatch` sees an outage, a new connection fails at
  once with :class:`~aipair.db.failures.DatabaseUnavailable` instead of waiting on a dead server.
- Traceable: each live connection is known, so an outage can close them all at once (queries blocked
  on a paused server end now, as 503s, instead of when their timeout expires).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from aipair.db.failures import DatabaseUnavailable, FailureKind

PortLookup = Callable[[], int | None]
"""Where the embedded server listens now (None: not running)."""
ConnectionHook = Callable[[Any], None]
"""Called with each new connection of a pool (query timing)."""
ConnectOptions = Callable[[str], dict[str, Any]]
"""asyncpg options (``server_settings``...) of a connection with the given application name."""


@dataclass(frozen=True)
class ConnectLimits:
    """Time bounds of every connection, in seconds."""

    connect_s: float
    statement_s: float

    @property
    def command_s(self) -> float:
        """Client-side bound of one command: the server's own timeout plus a margin."""
        return self.statement_s + 2.0


class Connector:
    """Opens asyncpg connections to one database URL for one application name."""

    def __init__(
        self, url: str, limits: ConnectLimits, options: ConnectOptions, *, port: PortLookup | None = None
    ) -> None:
        parsed = make_url(url)
        self._params: dict[str, Any] = {
            "host": parsed.host or "127.0.0.1",
            "port": parsed.port or 5432,
            "user": parsed.username,
            "password": parsed.password,
            "database": parsed.database,
        }
        self._port = port
        self._limits = limits
        self._options = options
        self._live: weakref.WeakSet[Any] = weakref.WeakSet()
        self.available: Callable[[], bool] = lambda: True
        """Set by the watch: False during an outage (new connections are refused at once)."""
        self.connected: Callable[[], None] = lambda: None
        """Set by the watch: a connection was just established (the server answers)."""

    def target(self) -> tuple[str, int]:
        """Host and port to connect to now."""
        port = self._port() if self._port is not None else self._params["port"]
        if port is None:
            raise DatabaseUnavailable("The embedded PostgreSQL server is not running")
        return self._params["host"], int(port)

    async def connect(
        self,
        application_name: str,
        connection_class: type[Any] = asyncpg.Connection,
        hook: ConnectionHook | None = None,
    ) -> Any:
        """A new connection, or :class:`DatabaseUnavailable` when the server cannot be reached in time."""
        if not self.available():
            raise DatabaseUnavailable()
        host, port = self.target()
        try:
            conn = await asyncpg.connect(
                host=host,
                port=port,
                user=self._params["user"],
                password=self._params["password"],
                database=self._params["database"],
                timeout=self._limits.connect_s,
                command_timeout=self._limits.command_s,
                connection_class=connection_class,
                **self._options(application_name),
            )
        except (OSError, TimeoutError, asyncpg.PostgresConnectionError, asyncpg.CannotConnectNowError) as exc:
            kind: FailureKind = "timeout" if isinstance(exc, TimeoutError) else "unavailable"
            raise DatabaseUnavailable(
                f"Cannot connect to the database ({type(exc).__name__})", kind=kind
            ) from exc
        self._live.add(conn)
        self.connected()
        if hook is not None:
            hook(conn)
        return conn

    def orm_creator(self) -> Callable[[], Any]:
        """The ``async_creator`` of the SQLAlchemy engine."""

        async def create() -> Any:
            return await self.connect("aipair")

        return create

    def pool_connect(self, application_name: str, hook: ConnectionHook | None = None) -> Callable[..., Any]:
        """The ``connect`` callable of an asyncpg pool (which passes its connection class)."""

        async def create(*_: Any, connection_class: type[Any] = asyncpg.Connection, **__: Any) -> Any:
            return await self.connect(application_name, connection_class, hook)

        return create

    def terminate_all(self) -> int:
        """Close every live connection at once (an outage): their blocked queries fail now."""
        closed = 0
        for conn in list(self._live):
            if not conn.is_closed():
                conn.terminate()
                closed += 1
        return closed
