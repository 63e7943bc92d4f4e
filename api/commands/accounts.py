"""``hotline tokens create`` and ``hotline users create | reset-password | deactivate | reactivate |
end-sessions`` (the services are bot.auth and bot.console_sessions)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

import typer
from sqlalchemy.orm import Session

from bot.auth import (
    AccountError,
    create_token,
    create_user,
    deactivate_user,
    end_sessions,
    find_user,
    reactivate_user,
    set_password,
)
from db.models import User
from db.session import session_scope

tokens_app = typer.Typer(help="API tokens", no_args_is_help=True)
users_app = typer.Typer(help="Operator accounts for the console", no_args_is_help=True)

T = TypeVar("T")


def _run(work: Callable[[Session], T]) -> T:
    """Run ``work`` in one transaction; a refused action prints its reason and exits with 2."""
    try:
        with session_scope() as session:
            return work(session)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _user(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise AccountError(f"no user {username.strip()!r}")
    return user


def _read_password() -> str:
    if sys.stdin.isatty():
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


@tokens_app.command("create")
def tokens_create(
    name: str = typer.Option(..., "--name", help="who or what uses the token (an integration's name)"),
    role: str = typer.Option(..., "--role", help="admin, operator, viewer or reporter (only adds status reports)"),
    expires_days: float | None = typer.Option(None, "--expires-days", help="the token stops working after this "
                                              "many days (default: no expiry)"),
    username: str | None = typer.Option(None, "--user", help="the console user it belongs to (default: it "
                                        "belongs to the integration named by --name)"),
) -> None:
    """Create an API token. The last line printed ends with the token (shown only once)."""

    def work(session: Session) -> tuple[int, str, str]:
        owner = _user(session, username) if username else None
        token, secret = create_token(session, name, role, user=owner, expires_days=expires_days)
        expiry = f"; expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else ""
        whose = f"user {owner.username!r}" if owner else f"integration {token.integration!r}"
        return token.id, f"for {whose}{expiry}", secret

    token_id, details, secret = _run(work)
    typer.echo(f"token {token_id} created for {name!r} with role {role} ({details}); keep it secret, "
               "it is not shown again")
    typer.echo(f"token: {secret}")


@users_app.command("create")
def users_create(
    username: str = typer.Option(..., "--username"),
    role: str = typer.Option(..., "--role", help="admin, operator or viewer"),
    phone: str | None = typer.Option(None, "--phone", help="the operator's phone in international format "
                                     "(+E.164): where console calls ring"),
) -> None:
    """Create an operator account; the password is read from a prompt, or from standard input
    (at least 12 characters, not a common or breached password)."""
    password = _read_password()
    user_id = _run(lambda s: create_user(s, username, role, password, phone=phone).id)
    typer.echo(f"user {user_id} {username!r} created with role {role}")


@users_app.command("reset-password")
def users_reset_password(
    username: str = typer.Option(..., "--username"),
    reset_second_factor: bool = typer.Option(False, "--reset-second-factor", help="also remove the second "
                                             "factor (a lost phone): the user enrols again at next login"),
) -> None:
    """Set a new password (from a prompt or standard input); every session of the user ends at once."""
    password = _read_password()
    ended = _run(lambda s: set_password(s, _user(s, username), password, actor="cli",
                                        clear_second_factor=reset_second_factor))
    typer.echo(f"password of {username!r} changed; {ended} session(s) ended"
               + ("; second factor removed" if reset_second_factor else ""))


@users_app.command("deactivate")
def users_deactivate(username: str = typer.Option(..., "--username")) -> None:
    """The account can no longer log in; its sessions end at once and its API tokens stop working."""
    ended = _run(lambda s: deactivate_user(s, _user(s, username), actor="cli"))
    typer.echo(f"user {username!r} deactivated; {ended} session(s) ended")


@users_app.command("reactivate")
def users_reactivate(username: str = typer.Option(..., "--username")) -> None:
    """Let a deactivated account log in again."""
    _run(lambda s: reactivate_user(s, _user(s, username), actor="cli"))
    typer.echo(f"user {username!r} reactivated")


@users_app.command("end-sessions")
def users_end_sessions(username: str = typer.Option(..., "--username")) -> None:
    """End every console session of the user now (they must log in again)."""

    def work(session: Session) -> int:
        return end_sessions(session, _user(session, username), actor="cli")

    typer.echo(f"{_run(work)} session(s) of {username!r} ended")
