"""``hotline purge --older-than DAYS``: apply the retention period (bot/retention.py)."""

from __future__ import annotations

import typer

from common.settings import get_settings


def register(app: typer.Typer) -> None:
    @app.command()
    def purge(
        older_than: int | None = typer.Option(
            None, "--older-than", min=1, metavar="DAYS",
            help="purge conversations silent for more than DAYS days (default: RETENTION_DAYS, 90)"),
        dry_run: bool = typer.Option(False, "--dry-run", help="count what would go; delete nothing"),
    ) -> None:
        """Delete conversations with no activity for DAYS days and no open case; keep the audit trail."""
        from bot.retention import purge_conversations
        from db.session import get_sessionmaker, session_scope

        days = older_than if older_than is not None else get_settings().retention_days
        with session_scope(get_sessionmaker()) as session:
            result = purge_conversations(session, days, actor="cli:purge", dry_run=dry_run)
        verb = "would purge" if dry_run else "purged"
        typer.echo(f"{verb} conversations silent since {result.cutoff:%Y-%m-%d %H:%M} UTC ({days} days):")
        for name, count in result.counts.items():
            typer.echo(f"  {name}: {count}")
