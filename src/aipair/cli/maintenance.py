"""``aipair maintenance``: announced windows and maintenance mode (the runbook's maintenance window)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from aipair.cli.errors import parse_time

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from aipair.auth.principal import Principal
    from aipair.composition import Runtime
    from aipair.ops.maintenance.schemas import WindowRead

app = typer.Typer(help="Maintenance windows and maintenance mode.", no_args_is_help=True)
T = TypeVar("T")


def _as_operator(work: Callable[[Runtime, AsyncSession, Principal], Awaitable[T]]) -> T:
    from aipair.cli.support import as_operator  # imported on use: `--help` stays fast

    return as_operator(work)


def _line(window: WindowRead) -> str:
    kind = "emergency" if window.emergency else "announced"
    now = " (in progress)" if window.in_progress else ""
    span = f"{window.starts_at:%Y-%m-%d %H:%M} - {window.ends_at:%Y-%m-%d %H:%M} UTC"
    return f"{window.id}  {span}  {kind}{now}  {window.reason}"


@app.command("status")
def status() -> None:
    """Whether the platform is in maintenance, until when, and the announced windows."""

    async def work(runtime: Runtime, session: AsyncSession, principal: Principal) -> list[str]:
        state = await runtime.maintenance.status(session)
        head = (
            f"in maintenance until {state.until:%Y-%m-%d %H:%M:%S} UTC"
            if state.until
            else "not in maintenance"
        )
        return [head, *(_line(w) for w in state.windows)]

    for line in _as_operator(work):
        typer.echo(line)


@app.command("schedule")
def schedule(
    reason: str = typer.Option(..., "--reason", help="What the window is for (customers read it)"),
    at: str | None = typer.Option(
        None, "--at", help='Start, e.g. "2026-12-13 02:00+00" (default: next Sunday 02:00 UTC)'
    ),
    duration: int | None = typer.Option(None, "--duration", help="Minutes (default 120, at most 120)"),
    emergency: bool = typer.Option(False, "--emergency", help="Less than 48 hours' notice (audited)"),
) -> None:
    """Announce a window: at least 48 hours ahead unless --emergency, at most 2 hours."""

    async def work(runtime: Runtime, session: AsyncSession, principal: Principal) -> WindowRead:
        return await runtime.maintenance.schedule(
            session, principal, reason, parse_time(at, "2026-12-13 02:00+00"), duration, emergency
        )

    typer.echo(f"announced: {_line(_as_operator(work))}")


@app.command("on")
def turn_on(
    emergency: bool = typer.Option(False, "--emergency", help="Outside an announced window (audited)"),
    reason: str | None = typer.Option(None, "--reason", help="Required with --emergency"),
    duration: int | None = typer.Option(
        None, "--duration", help="Minutes of an emergency window (default 60)"
    ),
) -> None:
    """Maintenance now: every replica answers customers 503 maintenance within a second; workers stop
    taking jobs."""

    async def work(runtime: Runtime, session: AsyncSession, principal: Principal) -> WindowRead:
        return await runtime.maintenance.turn_on(session, principal, reason, duration, emergency)

    window = _as_operator(work)
    typer.echo(f"in maintenance until {window.ends_at:%Y-%m-%d %H:%M:%S} UTC ({window.id})")


@app.command("off")
def turn_off() -> None:
    """End the window in progress now; traffic and jobs resume."""

    async def work(runtime: Runtime, session: AsyncSession, principal: Principal) -> WindowRead:
        return await runtime.maintenance.turn_off(session, principal)

    _as_operator(work)
    typer.echo("maintenance ended")


@app.command("cancel")
def cancel(window_id: str = typer.Argument(..., help="Window id (from `aipair maintenance status`)")) -> None:
    """Withdraw an announced window that has not started."""
    import uuid

    async def work(runtime: Runtime, session: AsyncSession, principal: Principal) -> WindowRead:
        return await runtime.maintenance.cancel(session, principal, uuid.UUID(window_id))

    typer.echo(f"cancelled: {_line(_as_operator(work))}")
