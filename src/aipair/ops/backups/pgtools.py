"""The PostgreSQL programs shipped with the embedded server, run with the right user and password.

Debian's client programs may be older than the server (``pg_dump`` refuses a newer server), so every
backup and restore uses the embedded package's own ``pg_dump``, ``pg_restore``, ``pg_basebackup``,
``pg_waldump``, ``pg_controldata`` and ``pg_ctl``. Programs that touch a data directory run as the
server's system user when this process is root.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from aipair.db.embedded import bin_dir, server_user


class ToolFailed(RuntimeError):
    """A PostgreSQL program exited with an error; the message carries the end of its output."""


def program(name: str) -> str:
    """The path of one of the embedded package's programs."""
    return str(bin_dir() / name)


def connection_env(url: str) -> tuple[list[str], dict[str, str]]:
    """``-h -p -U -d`` arguments and a ``PGPASSWORD`` environment for a libpq URL (the password never
    appears on a command line, where ``ps`` would show it)."""
    parts = urlsplit(url)
    args = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    if parts.username:
        args += ["-U", unquote(parts.username)]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    return args, env


def database_name(url: str) -> str:
    """The database a libpq URL names."""
    return unquote(urlsplit(url).path.lstrip("/")) or "postgres"


def run(
    args: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    as_server: bool = False,
    timeout: float = 3600,
    on_line: Callable[[str], None] | None = None,
) -> str:
    """Run a program; returns its standard output. ``on_line`` sees each line (or ``\\r`` update) of
    its standard error as it comes (progress). Raises :class:`ToolFailed` with the error output."""
    user = server_user() if as_server else None
    with (
        tempfile.TemporaryFile() as out,
        subprocess.Popen(
            list(args), stdout=out, stderr=subprocess.PIPE, env=env, user=user, cwd="/" if user else None
        ) as process,
    ):
        assert process.stderr is not None
        errors = _read_errors(process.stderr, on_line)
        code = process.wait(timeout=timeout)
        out.seek(0)
        output = out.read().decode(errors="replace")
    if code != 0:
        name = Path(args[0]).name
        raise ToolFailed(f"{name} failed ({code}): {errors.strip()[-2000:]}")
    return output


def _read_errors(stream: object, on_line: Callable[[str], None] | None) -> str:
    """Read a program's standard error to the end, splitting progress updates on ``\\r``."""
    collected: list[str] = []
    buffer = b""
    while chunk := stream.read1(4096):  # type: ignore[attr-defined]
        buffer += chunk
        *complete, buffer = buffer.replace(b"\r", b"\n").split(b"\n")
        for raw in complete:
            line = raw.decode(errors="replace")
            if on_line is not None and line:
                on_line(line)
            collected.append(line)
    collected.append(buffer.decode(errors="replace"))
    return "\n".join(line for line in collected[-200:] if line)
