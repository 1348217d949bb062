"""The embedded server's life cycle survives what a busy machine does to it: a server that crashed and
left its PID file behind, a PID that another program took since, and a stop asked twice."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from aipair.db.embedded import EmbeddedPostgres
from aipair.errors import EmbeddedServerFailed
from tests.fixtures.live_gateway import free_port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    embedded = EmbeddedPostgres(tmp_path_factory.mktemp("embedded"), free_port())
    embedded.ensure_running()
    yield embedded
    embedded.stop()


def test_a_pid_file_naming_another_live_program_is_no_running_server(server: EmbeddedPostgres) -> None:
    assert server.running_port() == server.port
    pid_file = server.pgdata / "postmaster.pid"
    kept = pid_file.read_text()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lines = kept.splitlines()
        pid_file.write_text("\n".join([str(other.pid), *lines[1:]]) + "\n")
        assert server.running_port() is None
        server.stop()  # nothing to stop: the other program lives on
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()
        pid_file.write_text(kept)
    assert server.running_port() == server.port


def test_stopping_twice_answers_quietly_and_starting_again_works(server: EmbeddedPostgres) -> None:
    server.stop()
    assert server.running_port() is None
    server.stop()
    assert server.ensure_running() is True
    assert server.running_port() == server.port


def test_a_server_that_cannot_start_says_why_in_one_line(server: EmbeddedPostgres) -> None:
    server.stop()
    version = server.pgdata / "PG_VERSION"
    kept = version.read_text()
    version.write_text("9\n")
    try:
        with pytest.raises(EmbeddedServerFailed) as failed:
            server.ensure_running()
    finally:
        version.write_text(kept)
    assert failed.value.message.startswith("pg_ctl exited with 1:") and "\n" not in failed.value.message
    assert server.ensure_running() is True


HOLDER = """
import sys
from pathlib import Path
from aipair.db.embedded import EmbeddedPostgres
server = EmbeddedPostgres(Path(sys.argv[1]), int(sys.argv[2]))
server.acquire()
print("held", flush=True)
sys.stdin.readline()
server.release()
"""


def test_a_command_that_finishes_never_stops_the_server_under_another_user(server: EmbeddedPostgres) -> None:
    server.stop()
    server.acquire()  # starts it, like a short command would
    other = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(server.data_dir), str(server.port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "held"
        server.release()  # the short command ends while the other process still uses the server
        assert server.running_port() == server.port
    finally:
        other.communicate("\n", timeout=120)
    assert other.returncode == 0
    assert server.running_port() is None  # the last user stopped the server that was started for them
    server.ensure_running()


def test_a_server_started_on_purpose_outlives_the_commands_that_use_it(server: EmbeddedPostgres) -> None:
    server.ensure_running()
    server.acquire()
    server.release()
    assert server.running_port() == server.port
