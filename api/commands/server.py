"""``hotline serve``, ``hotline demo`` (and, later, ``hotline worker``)."""

from __future__ import annotations

import typer
import uvicorn

from common.settings import get_settings


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", "--host"),
        port: int = typer.Option(8000, "--port"),
        no_worker: bool = typer.Option(False, "--no-worker", help="do not run the outbox worker in-process"),
    ) -> None:
        """Run the API, console and webhooks."""
        from api.app import create_app

        uvicorn.run(create_app(get_settings()), host=host, port=port, log_level="warning")

    @app.command()
    def demo(
        host: str = typer.Option("127.0.0.1", "--host"),
        port: int = typer.Option(8000, "--port"),
    ) -> None:
        """SQLite in this folder, migrations, the fictional demo roster, and the server."""
        from api.app import create_app
        from bot.roster.demo import ensure_demo_roster
        from db.migrate import upgrade
        from db.session import get_sessionmaker

        settings = get_settings()
        upgrade(settings.database_url)
        loaded = ensure_demo_roster(get_sessionmaker())
        typer.echo(f"demo roster: {loaded} fictional persons loaded" if loaded else "demo roster already loaded")
        typer.echo(f"hotline on http://{host}:{port}  (API docs /docs, web chat /chat, console /console)")
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
