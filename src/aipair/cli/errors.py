"""Every error of the command line as one line: ``error[<code>]: <message>``, and a non-zero exit.

Exit status: 1 for an error of the application (taken slug, unknown job, weak password), 2 for a
command used wrongly (unknown option, missing argument), for a platform that is not initialised and for
settings production refuses (one line per setting), 130 when interrupted. With ``--json`` the line is
``{"error": {"code": ..., "message": ...}}``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import typer
from typer._click import exceptions as click_errors

USAGE = 2
FAILURE = 1


class CliError(Exception):
    """An error a command reports on purpose, with its stable code."""

    def __init__(self, code: str, message: str, exit_code: int = FAILURE, lines: Sequence[str] = ()):
        super().__init__(message)
        self.code = code
        self.message = message
        self.exit_code = exit_code
        self.lines = list(lines) or [message]
        """One error line each (several problems of one kind, such as unsafe production settings)."""


def run_reporting_errors(app: typer.Typer, args: Sequence[str]) -> int:
    """Run the command line on ``args``; return the exit status, errors printed as one line."""
    try:
        result = app(args=list(args), prog_name="aipair", standalone_mode=False)
    except click_errors.NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help())
        return 0
    except BaseException as exc:  # every error ends here, as one line
        error = describe(exc)
        if error is None:
            raise
        _print(error, json_output="--json" in args)
        return error.exit_code
    return result if isinstance(result, int) else 0


def describe(exc: BaseException) -> CliError | None:
    """The one-line form of ``exc``; None for the exits that are not errors."""
    if isinstance(exc, CliError):
        return exc
    if isinstance(exc, typer.Exit | SystemExit):
        return None
    if isinstance(exc, click_errors.UsageError):
        hint = f" (see: {exc.ctx.command_path} --help)" if exc.ctx else ""
        return CliError("usage_error", _flat(exc.format_message()) + hint, USAGE)
    if isinstance(exc, click_errors.ClickException):
        return CliError("usage_error", _flat(exc.format_message()), USAGE)
    if isinstance(exc, typer.Abort | KeyboardInterrupt | EOFError):
        return CliError("aborted", "aborted", 130 if isinstance(exc, KeyboardInterrupt) else FAILURE)
    return _described_by_domain(exc)


def _described_by_domain(exc: BaseException) -> CliError:
    from pydantic import ValidationError

    from aipair.errors import AppError

    if isinstance(exc, AppError):
        problems = [_flat(line) for line in getattr(exc, "problems", ())]
        exit_code = USAGE if problems else FAILURE  # settings to fix before anything can run
        return CliError(exc.code, _flat(exc.message), exit_code, problems)
    if isinstance(exc, ValidationError):
        return CliError("validation_error", _validation_message(exc))
    return CliError("internal_error", f"{type(exc).__name__}: {_flat(str(exc))}")


def _validation_message(exc: Any) -> str:
    parts = []
    for error in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in error.get("loc", ()))
        message = str(error.get("msg", "invalid"))
        parts.append(f"{where}: {message}" if where else message)
    return _flat("; ".join(parts)) or "invalid input"


def _flat(text: str) -> str:
    return " ".join(text.split())


def _print(error: CliError, json_output: bool) -> None:
    for message in error.lines:
        if json_output:
            line = json.dumps({"error": {"code": error.code, "message": message}})
        else:
            line = f"error[{error.code}]: {message}"
        print(line, file=sys.stderr)


def parse_time(value: str | None, example: str = "2026-12-06 10:30:00+00") -> datetime | None:
    """An ISO time with its offset (required: a restore target or a window is never ambiguous); None
    stays None; anything else is a usage error naming the value."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise CliError("bad_time", f'not a time with an offset: {value!r} (e.g. "{example}")', USAGE)
    return parsed
