"""``hotline serve``, ``hotline demo`` and ``hotline worker``."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

import typer
import uvicorn

from common.settings import get_settings

if TYPE_CHECKING:
    from fastapi import FastAPI


def _run(app: FastAPI, host: str, port: int) -> None:
    # Everything loaded by now (modules, tables, templates, the app) lives as long as the process:
    # kept out of the garbage collector's full passes, which would otherwise walk all of it and
    # show up as pauses in the webhooks' slowest answers (p99 at 64 relatives: 116 -> 63 ms,
    # docs/benchmarks.md).
    gc.collect()
    gc.freeze()
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", "--host"),
        port: int = typer.Option(8000, "--port"),
        no_worker: bool = typer.Option(False, "--no-worker",
                                       help="do not run the turn and outbox workers in-process"),
    ) -> None:
        """Run the API, console and webhooks."""
        from api.app import create_app

        _run(create_app(get_settings(), run_worker=not no_worker), host, port)

    @app.command()
    def worker() -> None:
        """Run the workers alone: dialogue turns of recorded messages, and the outbox (start several
        for scaled deployments)."""
        import asyncio
        import signal

        from api.composition import BackgroundWorker, build_workers
        from common.logging import configure_logging
        from db.session import get_sessionmaker

        settings = get_settings()
        configure_logging(settings.log_level)
        workers: list[BackgroundWorker] = list(build_workers(settings, get_sessionmaker()))

        def stop() -> None:
            for w in workers:
                w.stop()

        async def main() -> None:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop)
            await asyncio.gather(*(w.run() for w in workers))

        asyncio.run(main())

    @app.command()
    def demo(
        host: str = typer.Option("127.0.0.1", "--host"),
        port: int = typer.Option(8000, "--port"),
    ) -> None:
        """SQLite in this folder, migrations, the fictional demo roster, and the server."""
        from api.app import create_app
        from bot.demo_accounts import ensure_demo_accounts
        from bot.roster.demo import ensure_demo_roster
        from db.migrate import upgrade
        from db.session import get_sessionmaker, session_scope

        settings = get_settings()
        upgrade(settings.database_url)
        loaded = ensure_demo_roster(get_sessionmaker())
        typer.echo(f"demo roster: {loaded} fictional persons loaded" if loaded else "demo roster already loaded")
        with session_scope() as session:
            accounts = ensure_demo_accounts(session)
        for username, role, password in accounts:
            typer.echo(f"console account {username} ({role}), password: {password}  (shown only now)")
        typer.echo(f"hotline on http://{host}:{port}  (API docs /docs, web chat /chat, console /console)")
        _run(create_app(settings, run_worker=True), host, port)
