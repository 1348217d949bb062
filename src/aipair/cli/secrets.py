"""``aipair secrets``: rotate the key that seals stored secrets (companies' provider keys)."""

from __future__ import annotations

import typer

app = typer.Typer(help="The secrets key: generate, rotate, status.", no_args_is_help=True)


@app.command("generate-key")
def generate_key() -> None:
    """Print a new random secrets key (base64 of 32 bytes) for AIPAIR_SECRETS_KEY."""
    import base64
    import os

    typer.echo(base64.b64encode(os.urandom(32)).decode())


@app.command("rotate")
def rotate() -> None:
    """Re-seal every stored secret under AIPAIR_SECRETS_KEY. Run it once every replica has the new key
    with the old one in AIPAIR_SECRETS_PREVIOUS_KEYS; afterwards the old key can be dropped."""
    import psycopg

    from aipair.cli.errors import CliError
    from aipair.cli.support import database, settings
    from aipair.composition import secret_box
    from aipair.db.urls import libpq
    from aipair.ops.keys.rotation import reseal_all

    config = settings()
    box = secret_box(config)
    with database(config) as urls, psycopg.connect(libpq(urls.owner), autocommit=True) as conn:
        result = reseal_all(conn, box)
    typer.echo(f"re-sealed {result.resealed}, already under the current key {result.current}")
    typer.echo(f"current key: {box.current_key_id}")
    if result.unreadable:
        for item in result.unreadable:
            typer.echo(f"  cannot open: {item}")
        raise CliError(
            "secrets_unreadable",
            f"{len(result.unreadable)} values open with no key of the ring:"
            " their companies must set them again",
        )


@app.command("status")
def status() -> None:
    """How many stored secrets are sealed under the current key and how many under earlier keys."""
    import psycopg

    from aipair.cli.support import database, settings
    from aipair.composition import secret_box
    from aipair.db.urls import libpq
    from aipair.ops.keys.rotation import sealed_state

    config = settings()
    box = secret_box(config)
    with database(config) as urls, psycopg.connect(libpq(urls.owner)) as conn:
        current, earlier = sealed_state(conn, box)
    typer.echo(f"current key {box.current_key_id}: {current} sealed values; under earlier keys: {earlier}")
