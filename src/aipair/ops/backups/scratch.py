"""A restored data directory started as a server of its own on a free loopback port.

A restored copy never archives into the production repository (``archive_mode = off``), listens on
127.0.0.1 only, and logs into a file of its own (the base backup carries the source's log).
"""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from aipair.db.embedded import give_to_server, write_parameters
from aipair.ops.backups.pgtools import program, run

LAST_TRANSACTION = re.compile(r"last completed transaction was at log time (.+)$", re.MULTILINE)
RECOVERY_FAILED = re.compile(r"(FATAL|PANIC):\s+(.*)$", re.MULTILINE)
CONTROL_SETTINGS = {
    "max_connections setting": "max_connections",
    "max_worker_processes setting": "max_worker_processes",
    "max_wal_senders setting": "max_wal_senders",
    "max_prepared_xacts setting": "max_prepared_transactions",
    "max_locks_per_xact setting": "max_locks_per_transaction",
}
HBA = "host all all 127.0.0.1/32 scram-sha-256\n"


class RecoveryFailed(RuntimeError):
    """The restored copy did not come up; the message quotes the server's own reason."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def control_settings(pgdata: Path) -> dict[str, str]:
    """Settings recovery requires to be at least the source's (from ``pg_controldata``)."""
    found: dict[str, str] = {}
    for line in run([program("pg_controldata"), str(pgdata)]).splitlines():
        name, _, value = line.partition(":")
        if name.strip() in CONTROL_SETTINGS:
            found[CONTROL_SETTINGS[name.strip()]] = value.strip()
    return found


@dataclass
class ScratchServer:
    """Start, watch and stop one restored data directory."""

    pgdata: Path
    port: int = 0

    @property
    def log(self) -> Path:
        return self.pgdata / "restore.log"

    def configure(self, parameters: dict[str, str]) -> None:
        """Server parameters for the restored copy (recovery target, restore command...)."""
        (self.pgdata / "server.log").unlink(missing_ok=True)
        (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
        (self.pgdata / "pg_hba.conf").write_text(HBA)
        base = {**control_settings(self.pgdata), "archive_mode": "off", "listen_addresses": "127.0.0.1"}
        write_parameters(self.pgdata, {**base, "unix_socket_directories": "", **parameters})
        self.pgdata.chmod(0o700)
        give_to_server(self.pgdata)

    def start(self, timeout_s: float = 600) -> None:
        """Start the server and wait until recovery is over and it accepts writes."""
        self.port = self.port or free_port()
        self.log.write_text("")
        give_to_server(self.log)
        options = f"-p {self.port}"
        command = [program("pg_ctl"), "-D", str(self.pgdata), "-l", str(self.log), "-o", options]
        try:
            run([*command, "-w", "-t", str(int(timeout_s)), "start"], as_server=True)
        except Exception as exc:
            raise RecoveryFailed(self.failure() or str(exc)) from exc

    def wait_promoted(self, url: str, timeout_s: float = 600) -> None:
        """Until the copy left recovery (promoted) and answers as a primary."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            reason = self.failure()
            if reason:
                raise RecoveryFailed(reason)
            try:
                with psycopg.connect(url, connect_timeout=5, autocommit=True) as conn:
                    row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
                    if row is not None and not row[0]:
                        return
            except psycopg.OperationalError:
                pass
            time.sleep(0.1)
        raise RecoveryFailed(f"the restored copy was still recovering after {timeout_s:.0f} s")

    def failure(self) -> str | None:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        found = RECOVERY_FAILED.findall(text)
        return "; ".join(message for _, message in found[-2:]) or None

    def last_transaction_at(self) -> datetime | None:
        """When the newest transaction that survived was committed (from the recovery's own report)."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        found = LAST_TRANSACTION.findall(text)
        return datetime.fromisoformat(found[-1].strip()) if found else None

    def url(self, template: str) -> str:
        """``template`` (a URL of the source) pointed at this server."""
        parts = urlsplit(template)
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{self.port}" if credentials else f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    def stop(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            run([program("pg_ctl"), "-D", str(self.pgdata), "-m", "immediate", "-w", "stop"], as_server=True)


def new_cluster(pgdata: Path, password: str) -> ScratchServer:
    """An empty cluster of the embedded package's PostgreSQL (a scratch server for a logical restore),
    its superuser ``postgres`` authenticated by ``password``."""
    pgdata.mkdir(parents=True)
    pwfile = pgdata.with_name(pgdata.name + ".pw")
    pwfile.write_text(password)
    give_to_server(pgdata)
    give_to_server(pwfile)
    try:
        options = ("--encoding=UTF8", "--locale=C", "--auth-local=scram-sha-256", "--auth-host=scram-sha-256")
        run(
            [program("initdb"), "-D", str(pgdata), "-U", "postgres", *options, f"--pwfile={pwfile}"],
            as_server=True,
        )
    finally:
        pwfile.unlink(missing_ok=True)
    server = ScratchServer(pgdata)
    server.configure({})
    return server
