"""``hotline roster import`` (built in bot/roster)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Official lists (rosters)", no_args_is_help=True)
