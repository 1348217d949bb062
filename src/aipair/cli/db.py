"""``aipair db``: migrations and connection URLs."""

from __future__ import annotations

import typer

app = typer.Typer(help="Database schema and connection.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision")) -> None:
    """Apply pending migrations (creates the application role when missing)."""
    from aipair.cli.support import database, settings
    from aipair.db import migrate

    with database(settings()) as urls:
        before = migrate.current_revision(urls)
        migrate.upgrade(urls, revision)
        after = migrate.current_revision(urls)
    typer.echo(f"database at {after} (was {before or 'empty'})")


@app.command("current")
def current() -> None:
    """The revision the database is at."""
    from aipair.cli.support import database, settings
    from aipair.db import migrate

    with database(settings()) as urls:
        revision, head = migrate.current_revision(urls), migrate.head_revision(urls)
    state = "head" if revision == head else f"behind head {head}"
    typer.echo(f"{revision or 'empty'} ({state})")


@app.command("history")
def history() -> None:
    """Every migration, oldest first, with whether it is applied."""
    from aipair.cli.support import database, settings
    from aipair.db import migrate

    with database(settings()) as urls:
        rows = migrate.history(urls)
    for revision, message, applied in rows:
        typer.echo(f"{'[x]' if applied else '[ ]'} {revision}  {message.splitlines()[0] if message else ''}")


@app.command("url")
def url(app_role: bool = typer.Option(False, "--app", help="The application role's URL instead")) -> None:
    """Print an owner connection URL: psql "$(aipair db url)". Leaves the embedded server running."""
    from aipair.cli.support import database, settings
    from aipair.db.urls import libpq

    with database(settings(), keep_running=True) as urls:
        typer.echo(libpq(urls.app if app_role else urls.owner))


@app.command("bin")
def bin_path() -> None:
    """Print the directory of the PostgreSQL 18 programs that ship with the platform (Debian's client 15
    cannot read its dumps): "$(aipair db bin)/pg_restore" --list backups/<label>/aipair.dump."""
    from aipair.db.embedded import bin_dir

    typer.echo(str(bin_dir()))


@app.command("stop")
def stop() -> None:
    """Stop the embedded PostgreSQL server."""
    from aipair.cli.support import settings
    from aipair.db.urls import embedded_server

    config = settings()
    if not config.embedded:
        typer.echo("an external database is configured; nothing to stop")
        return
    embedded_server(config).stop()
    typer.echo("embedded PostgreSQL stopped")


@app.command("rotate-password")
def rotate_password() -> None:
    """Give the application role a new random password (runbook: bi-annually). Stored in the data
    directory's secrets when the platform generated it; otherwise printed once for the secret store.
    Open connections keep working; restart the processes (rolling) so new ones use it."""
    import psycopg

    from aipair.cli.support import database, settings
    from aipair.db.urls import libpq
    from aipair.ops.keys.rotation import rotate_app_password

    config = settings()
    with database(config) as urls, psycopg.connect(libpq(urls.owner), autocommit=True) as conn:
        result = rotate_app_password(conn, config, urls.app_role)
    if result.stored:
        typer.echo(f"password of {config.database_app_role} changed and stored in the data directory")
    else:
        typer.echo(f"password of {config.database_app_role} changed; put it in AIPAIR_DATABASE_APP_PASSWORD:")
        typer.echo(result.password)
