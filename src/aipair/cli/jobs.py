"""``aipair jobs``: look after the background job queue."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from aipair.cli.output import JSON, emit

if TYPE_CHECKING:
    from aipair.composition import Runtime
    from aipair.worker.models import Job

app = typer.Typer(help="Background jobs: list, logs, retry, cancel.", no_args_is_help=True)
T = TypeVar("T")
STATES = ("queued", "running", "succeeded", "failed", "cancelled")


def _run(work: Callable[[Runtime], Awaitable[T]]) -> T:
    from aipair.cli.support import run_async, settings

    return run_async(settings(), work)


def _line(job: Job) -> str:
    error = (job.last_error or "").splitlines()[0][:60] if job.last_error else ""
    stage = f" {job.stage}" if job.stage else ""
    return (
        f"{job.id}  {job.name:<26} {job.state:<9} {job.attempts}/{job.max_attempts}"
        f"  {job.progress:>3}%{stage}  {job.created_at:%Y-%m-%d %H:%M:%S}  {error}"
    ).rstrip()


def _fields(job: Job) -> dict[str, object]:
    return {
        "id": str(job.id),
        "name": job.name,
        "state": job.state,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "progress": job.progress,
        "stage": job.stage,
        "created_at": job.created_at.isoformat(),
        "last_error": job.last_error,
    }


@app.command("list")
def list_jobs(
    state: str | None = typer.Option(None, help=f"Only jobs in this state: {', '.join(STATES)}"),
    name: str | None = typer.Option(None, help="Only jobs with this name, e.g. meetings.process_meeting"),
    limit: int = typer.Option(50, min=1, max=10_000),
    as_json: bool = JSON,
) -> None:
    """Jobs, newest first: id, name, state, attempts, progress and stage, created, last error."""
    from aipair.db.engine import DbContext, transaction

    if state is not None and state not in STATES:
        raise typer.BadParameter(f"state must be one of {', '.join(STATES)}")

    async def work(runtime: Runtime) -> list[tuple[str, dict[str, object]]]:
        async with transaction(runtime.sessions, DbContext()) as session:
            jobs = await runtime.jobs.list_jobs(session, state=state, name=name, limit=limit)
            return [(_line(job), _fields(job)) for job in jobs]

    found = _run(work)
    emit(as_json, [fields for _, fields in found], [line for line, _ in found] or ["no jobs"])


@app.command("logs")
def job_logs(
    job_id: uuid.UUID = typer.Argument(..., help="Job id"),
    limit: int = typer.Option(500, min=1, max=100_000, help="Last lines to show"),
) -> None:
    """A job's log lines, oldest first, with the attempt each came from."""
    from aipair.db.engine import DbContext, transaction

    async def work(runtime: Runtime) -> list[str]:
        async with transaction(runtime.sessions, DbContext()) as session:
            job = await runtime.jobs.get(session, job_id)
            lines = await runtime.jobs.logs(session, job_id, limit)
            head = (
                f"{job.name} {job.state} attempts {job.attempts}/{job.max_attempts} progress {job.progress}%"
            )
            return [head] + [
                f"{line.created_at:%Y-%m-%d %H:%M:%S} #{line.attempt} {line.level.upper():<7} {line.message}"
                for line in lines
            ]

    for line in _run(work):
        typer.echo(line)


@app.command("retry")
def retry_job(job_id: uuid.UUID = typer.Argument(..., help="Id of a failed or cancelled job")) -> None:
    """Queue a failed or cancelled job again, with a fresh set of attempts."""
    from aipair.db.engine import DbContext, transaction

    async def work(runtime: Runtime) -> str:
        async with transaction(runtime.sessions, DbContext()) as session:
            return _line(await runtime.jobs.retry(session, job_id))

    typer.echo(_run(work))


@app.command("cancel")
def cancel_job(
    job_id: uuid.UUID = typer.Argument(..., help="Id of a queued or running job"),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation"),
) -> None:
    """Cancel a queued or running job (a running one stops at its worker's next heartbeat)."""
    from aipair.db.engine import DbContext, transaction
    from aipair.worker.registry import load_registry
    from aipair.worker.runner import JobContexts, run_give_up_hook

    if not yes:
        typer.confirm(f"Cancel job {job_id}?", abort=True)

    async def work(runtime: Runtime) -> str:
        async with transaction(runtime.sessions, DbContext()) as session:
            cancelled = await runtime.jobs.cancel(session, job_id)
        spec = load_registry().specs.get(cancelled.name)
        contexts = JobContexts(runtime.services, runtime.settings.worker.lease_s)
        await run_give_up_hook(contexts, spec, cancelled, "cancelled by the operator")
        return f"{job_id} cancelled"

    typer.echo(_run(work))
