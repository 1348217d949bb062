"""The root of the command line: its command groups and top-level commands, and ``--version``.

A new command group is a module of this package exposing a ``typer.Typer`` named ``app``, registered
in :func:`build_app`. Its top level imports only ``typer`` and the standard library.
"""

from __future__ import annotations

import typer

from aipair.cli import (
    audit,
    backup,
    companies,
    db,
    incident,
    init,
    jobs,
    maintenance,
    report,
    secrets,
    serve,
    users,
    worker,
)
from aipair.cli.version import package_version


def _show_version(value: bool) -> None:
    if value:
        from aipair.config import load_settings
        from aipair.observability.build import git_revision

        revision = git_revision(load_settings().build_revision)
        typer.echo(f"aipair {package_version()} (revision {revision})")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print the version and exit"
    ),
) -> None:
    """AI Pair Orchestrator: governed AI gateway and meeting processor."""


def build_app() -> typer.Typer:
    """The ``aipair`` command with every group and command registered (nothing heavy imported)."""
    app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None)
    app.callback()(_root)
    app.command("serve")(serve.serve)
    app.command("init")(init.init)
    app.command("worker")(worker.worker)
    app.add_typer(db.app, name="db")
    app.add_typer(companies.app, name="companies")
    app.add_typer(users.app, name="users")
    app.add_typer(audit.app, name="audit")
    app.add_typer(report.app, name="report")
    app.add_typer(jobs.app, name="jobs")
    app.add_typer(backup.app, name="backup")
    app.add_typer(maintenance.app, name="maintenance")
    app.add_typer(incident.app, name="incident")
    app.add_typer(secrets.app, name="secrets")
    return app
