"""``hotline chat``: a terminal conversation with the bot, same engine and database as the real
channels. One message per line from standard input until end of file; each reply printed."""

from __future__ import annotations

import sys
import uuid

import typer

from bot.conversations import handle_inbound
from common.settings import get_settings
from db.repositories.local_channel import take_pending
from db.session import session_scope


def register(app: typer.Typer) -> None:
    @app.command()
    def chat(
        from_id: str = typer.Option("terminal", "--from", help="who is writing: the same ID continues a conversation"),
    ) -> None:
        """Chat with the bot in the terminal (one message per line; end with Ctrl-D)."""
        settings = get_settings()
        address = from_id.strip() or "terminal"
        interactive = sys.stdin.isatty()
        if interactive:
            typer.echo("Escriba su mensaje (Ctrl-D para salir).")
        for line in sys.stdin:
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            with session_scope() as session:
                handle_inbound(session, settings, channel="local", address=address,
                               provider_id=f"terminal-{uuid.uuid4().hex}", text=text)
            with session_scope() as session:
                # Everything pending for this conversation: this turn's replies and anything an
                # operator or a notification queued since the last line.
                replies = [row.text for row in take_pending(session, address, reader="terminal")]
            for reply in replies:
                typer.echo(("bot> " if interactive else "") + reply)
            typer.echo("")
