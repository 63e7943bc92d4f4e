"""The ``hotline`` command line (CONTRACT.md). A composition root: it wires settings, database and
services; each command group lives in ``api/commands/``."""

from __future__ import annotations

import typer

from api.commands import accounts, database, roster, server

app = typer.Typer(help="Línea de información para familiares", no_args_is_help=True, add_completion=False)
app.add_typer(database.app, name="db")
app.add_typer(roster.app, name="roster")
app.add_typer(accounts.tokens_app, name="tokens")
app.add_typer(accounts.users_app, name="users")
server.register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
