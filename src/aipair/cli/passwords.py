"""Passwords on the command line come from a prompt, standard input or the environment, never from an
argument (arguments end up in shell history and in ``ps``)."""

from __future__ import annotations

import os
import sys

import typer

from aipair.cli.errors import USAGE, CliError

PASSWORD_ENV = "AIPAIR_NEW_PASSWORD"

PromptOption = typer.Option(False, "--prompt-password", help="Ask for the password (hidden, twice)")
StdinOption = typer.Option(False, "--password-stdin", help="Read the password from standard input")


def new_password(prompt: bool, from_stdin: bool) -> str | None:
    """The password the operator chose: prompted, the first line of standard input, or the environment
    variable ``AIPAIR_NEW_PASSWORD``; None when none was given."""
    if prompt and from_stdin:
        raise CliError("usage_error", "use either --prompt-password or --password-stdin", USAGE)
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise CliError("usage_error", "--password-stdin: standard input holds no password", USAGE)
        return line
    if prompt:
        password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    return os.environ.get(PASSWORD_ENV) or None
