"""The ``aipair`` command line: one module per command group.

A command module imports only ``typer`` and the standard library at its top; everything a command
needs (settings, the database, services) is imported inside the command when it runs, so that
``aipair --help`` starts in well under a second. Errors reach the terminal as one line with their
stable code (:mod:`aipair.cli.errors`).
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``aipair`` command: run it, and render any error as one line."""
    from aipair.cli.app import build_app
    from aipair.cli.errors import run_reporting_errors

    args = sys.argv[1:] if argv is None else argv
    sys.exit(run_reporting_errors(build_app(), args))
