"""``hotline tokens create`` and ``hotline users create``."""

from __future__ import annotations

import sys

import typer

from bot.auth import create_token, create_user
from db.session import session_scope

tokens_app = typer.Typer(help="API tokens", no_args_is_help=True)
users_app = typer.Typer(help="Operator accounts for the console", no_args_is_help=True)


@tokens_app.command("create")
def tokens_create(
    name: str = typer.Option(..., "--name", help="who or what uses the token"),
    role: str = typer.Option(..., "--role", help="admin, operator or viewer"),
) -> None:
    """Create an API token. The last line printed ends with the token (shown only once)."""
    try:
        with session_scope() as session:
            token, secret = create_token(session, name, role)
            token_id = token.id
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"token {token_id} created for {name!r} with role {role}; keep it secret, it is not shown again")
    typer.echo(f"token: {secret}")


@users_app.command("create")
def users_create(
    username: str = typer.Option(..., "--username"),
    role: str = typer.Option(..., "--role", help="admin, operator or viewer"),
) -> None:
    """Create an operator account; the password is read from a prompt, or from standard input."""
    if sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        with session_scope() as session:
            user = create_user(session, username, role, password)
            user_id = user.id
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"user {user_id} {username!r} created with role {role}")
