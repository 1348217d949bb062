"""The runbook's incident and maintenance procedures from the command line, as an operator runs them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from aipair.kit.clock import utcnow
from tests.fixtures.tenants import Tenant
from tests.ops.conftest import Source, aipair
from tests.ops.test_incidents import AUDITED_TRANSITIONS


def test_an_incident_from_open_to_resolved_on_the_command_line(
    source: Source, populated: list[Tenant]
) -> None:
    env = source.env()  # a platform set up by `aipair init`, as an operator has it
    opened = aipair(env, "incident", "open", "--severity", "P1", "--title", "Slow exports").stdout
    number = int(re.search(r"INC-(\d+)", opened).group(1))  # type: ignore[union-attr]
    respond = re.search(r"opened (\S+ \S+)  respond by (\S+ \S+) UTC", opened)
    assert respond is not None and "P1" in opened and "open" in opened
    assert _at(respond.group(2)) - _at(respond.group(1)) == timedelta(hours=1)  # the matrix's P1 deadline
    assert f"INC-{number} " in aipair(env, "incident", "list", "--open").stdout

    aipair(env, "incident", "ack", str(number))
    aipair(env, "incident", "note", str(number), "Export queue drained")
    resolved = aipair(env, "incident", "resolve", str(number), "--resolution", "Index added").stdout
    assert "resolved" in resolved
    assert f"INC-{number} " not in aipair(env, "incident", "list", "--open").stdout
    timeline = aipair(env, "incident", "show", str(number)).stdout
    assert "Export queue drained" in timeline and "Index added" in timeline

    with source.owner() as conn:
        rows = conn.execute(
            "SELECT a.action FROM audit_logs a JOIN incidents i ON a.target_id = i.id::text"
            " WHERE i.number = %s ORDER BY a.seq",
            [number],
        ).fetchall()
    assert [r[0] for r in rows] == AUDITED_TRANSITIONS


def test_a_window_is_announced_48_hours_ahead_or_refused_on_the_command_line(
    source: Source, populated: list[Tenant]
) -> None:
    env = source.env()
    soon = (utcnow() + timedelta(hours=47)).isoformat(sep=" ", timespec="minutes")
    schedule = ("maintenance", "schedule", "--duration", "60", "--reason", "PostgreSQL 18.2", "--at")
    refused = aipair(env, *schedule, soon, check=False)
    assert refused.returncode == 1 and "48 hours" in refused.stderr

    later = (utcnow() + timedelta(days=3)).isoformat(sep=" ", timespec="minutes")
    announced = aipair(env, *schedule, later).stdout
    window_id = announced.split()[1]
    try:
        status = aipair(env, "maintenance", "status").stdout
        assert "not in maintenance" in status and window_id in status and "PostgreSQL 18.2" in status
    finally:
        aipair(env, "maintenance", "cancel", window_id)
    assert window_id not in aipair(env, "maintenance", "status").stdout


def _at(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M")
