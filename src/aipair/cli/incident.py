"""``aipair incident``: incident records with the runbook's severities and response deadlines."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from aipair.cli.output import JSON, emit

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from aipair.auth.principal import Principal
    from aipair.composition import Runtime
    from aipair.ops.incidents.schemas import IncidentRead

app = typer.Typer(help="Incident records: open, ack, note, resolve, list.", no_args_is_help=True)
T = TypeVar("T")
SEVERITIES = ("P0", "P1", "P2", "P3")


def _as_operator(work: Callable[[Runtime, AsyncSession, Principal], Awaitable[T]]) -> T:
    from aipair.cli.support import as_operator  # imported on use: `--help` stays fast

    return as_operator(work)


def _on(
    number: int, act: Callable[[Runtime, AsyncSession, Principal, uuid.UUID], Awaitable[IncidentRead]]
) -> IncidentRead:
    async def work(runtime: Runtime, session: AsyncSession, principal: Principal) -> IncidentRead:
        return await act(runtime, session, principal, await runtime.incidents.id_of_number(session, number))

    return _as_operator(work)


def _line(incident: IncidentRead) -> str:
    flags = " OVERDUE" if incident.overdue else (" (acknowledged late)" if incident.acknowledged_late else "")
    return (
        f"INC-{incident.number:<5} {incident.severity}  {incident.status:<12}"
        f" opened {incident.opened_at:%Y-%m-%d %H:%M}"
        f"  respond by {incident.response_due_at:%Y-%m-%d %H:%M} UTC{flags}  {incident.title}"
    )


@app.command("open")
def open_incident(
    severity: str = typer.Option(..., "--severity", help="P0 (15 min), P1 (1 h), P2 (4 h), P3 (24 h)"),
    title: str = typer.Option(..., "--title"),
    note: str | None = typer.Option(None, "--note", help="First entry of the timeline"),
) -> None:
    """Open an incident; its response deadline follows from the runbook's escalation matrix."""
    if severity.upper() not in SEVERITIES:
        raise typer.BadParameter(f"severity must be one of {', '.join(SEVERITIES)}")

    async def work(runtime: Runtime, session: AsyncSession, principal: Principal) -> IncidentRead:
        return await runtime.incidents.open(session, principal, severity.upper(), title, note)

    typer.echo(_line(_as_operator(work)))


@app.command("ack")
def acknowledge(number: int = typer.Argument(..., help="Incident number (INC-n)")) -> None:
    """Acknowledge: someone owns it now."""
    typer.echo(_line(_on(number, lambda r, s, p, i: r.incidents.acknowledge(s, p, i))))


@app.command("note")
def note(number: int = typer.Argument(...), body: str = typer.Argument(..., help="The note")) -> None:
    """Add a note to the incident's timeline."""
    typer.echo(_line(_on(number, lambda r, s, p, i: r.incidents.note(s, p, i, body))))


@app.command("resolve")
def resolve(
    number: int = typer.Argument(...),
    resolution: str = typer.Option(..., "--resolution", help="What fixed it"),
) -> None:
    """Resolve the incident."""
    typer.echo(_line(_on(number, lambda r, s, p, i: r.incidents.resolve(s, p, i, resolution))))


@app.command("show")
def show(number: int = typer.Argument(...)) -> None:
    """One incident with its timeline."""
    incident = _on(number, lambda r, s, p, i: r.incidents.get(s, p, i))
    typer.echo(_line(incident))
    for event in incident.timeline:
        typer.echo(f"  {event.created_at:%Y-%m-%d %H:%M:%S}  {event.kind:<12} {event.body}")


@app.command("list")
def list_incidents(
    open_only: bool = typer.Option(False, "--open", help="Only those not resolved"),
    overdue: bool = typer.Option(False, "--overdue", help="Only unacknowledged ones past their deadline"),
    as_json: bool = JSON,
) -> None:
    """Incidents, newest first, overdue ones flagged."""

    async def work(runtime: Runtime, session: AsyncSession, principal: Principal) -> list[IncidentRead]:
        return await runtime.incidents.listing(session, principal, open_only=open_only, overdue_only=overdue)

    incidents = _as_operator(work) or []
    emit(as_json, incidents, (_line(incident) for incident in incidents))
