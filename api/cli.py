"""The ``hotline`` command line (CONTRACT.md). A composition root: it wires settings, database and
services; each command group lives in ``api/commands/``."""

from __future__ import annotations

import typer
from pydantic import ValidationError

from api.commands import accounts, chat, database, purge, roster, server, telegram
from common.logging import configure_logging
from common.settings import get_settings

app = typer.Typer(help="Línea de información para familiares", no_args_is_help=True, add_completion=False)
app.add_typer(database.app, name="db")
app.add_typer(roster.app, name="roster")
app.add_typer(accounts.tokens_app, name="tokens")
app.add_typer(accounts.users_app, name="users")
app.add_typer(telegram.app, name="telegram")
server.register(app)
purge.register(app)


@app.callback()
def _configure(verbose: bool = typer.Option(False, "--verbose", help="log at INFO level")) -> None:
    """Logs go to standard error (standard output carries the commands' own answers)."""
    try:
        settings = get_settings()
    except ValidationError as exc:
        # A refused environment (HOTLINE_ENV, a weak secret key in production...): say what to set,
        # without a traceback.
        for error in exc.errors():
            typer.echo(str(error["msg"]).removeprefix("Value error, "), err=True)
        raise typer.Exit(2) from None
    configure_logging("INFO" if verbose else settings.log_level)
chat.register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
