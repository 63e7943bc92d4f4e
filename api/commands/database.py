"""``hotline db ...``"""

from __future__ import annotations

import typer

from db.migrate import downgrade as _downgrade
from db.migrate import upgrade as _upgrade

app = typer.Typer(help="Database migrations", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations to DATABASE_URL (default: all of them)."""
    _upgrade(revision=revision)
    typer.echo(f"database upgraded to {revision}")


@app.command()
def downgrade(revision: str = typer.Argument(..., help="target revision, e.g. -1 or base")) -> None:
    """Revert migrations on DATABASE_URL."""
    _downgrade(revision=revision)
    typer.echo(f"database downgraded to {revision}")
