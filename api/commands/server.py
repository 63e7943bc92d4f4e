"""``hotline serve``, ``hotline demo`` and ``hotline worker``."""

from __future__ import annotations

import errno
import gc
import os
import secrets
import socket
from typing import TYPE_CHECKING

import typer
import uvicorn

from common.secret_key import is_loopback, secret_key_problem, weak_secret_message
from common.settings import Settings, get_settings

if TYPE_CHECKING:
    from fastapi import FastAPI


def settings_to_serve(settings: Settings, host: str, *, demo: bool = False) -> Settings:
    """The settings a web process starts with, or a refusal (exit 2) when the secret key is weak
    and the process can be reached from other machines.

    Production never gets here with a weak key (Settings refuses it). In development, `hotline
    demo` and a server bound to loopback start anyway, but sign sessions with a random key of their
    own: the public development constant must never open a console, even on a laptop.
    """
    problem = secret_key_problem(settings.hotline_secret_key)
    if problem is None:
        return settings
    if not demo and not is_loopback(host):
        typer.echo(weak_secret_message(problem)
                   + f"\n(--host {host} can be reached from other machines; only a development server "
                   "bound to 127.0.0.1 starts without one)", err=True)
        raise typer.Exit(2)
    typer.echo("HOTLINE_SECRET_KEY is not set or weak: this process signs console sessions with a "
               "random key of its own (they end when it stops).", err=True)
    # Through the environment, so that every get_settings() of this process agrees.
    os.environ["HOTLINE_SECRET_KEY"] = secrets.token_urlsafe(48)
    get_settings.cache_clear()
    return get_settings()


def port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port, or None. Checked before anything else (the
    demo migrates and creates accounts first otherwise, then fails with a bare Errno 98). Bound as
    uvicorn binds (SO_REUSEADDR), then released: a port another process listens on is refused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return f"--host {host} is not an address of this machine"
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"port {port} on {host} is already in use (another hotline, or another program): "
                        f"choose a free one with --port, e.g. --port {port + 1}")
            return f"cannot listen on {host}:{port} ({exc.strerror}): choose another --port or --host"
    return None


def _exit_if_port_busy(host: str, port: int) -> None:
    problem = port_problem(host, port)
    if problem:
        typer.echo(problem, err=True)
        raise typer.Exit(1)


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

        _exit_if_port_busy(host, port)
        settings = settings_to_serve(get_settings(), host)
        _run(create_app(settings, run_worker=not no_worker), host, port)

    @app.command()
    def worker(
        metrics_port: int = typer.Option(0, "--metrics-port", min=0, max=65535, help=(
            "serve this worker's /metrics (sends, claims lost, repeats: counted here, not in the web "
            "process) on this port; any valid API token may scrape. 0: none")),
        metrics_host: str = typer.Option("127.0.0.1", "--metrics-host"),
    ) -> None:
        """Run the workers alone: dialogue turns of recorded messages, and the outbox (start several
        for scaled deployments)."""
        import asyncio
        import signal

        from api.composition import BackgroundWorker, build_workers
        from api.intake import Intake
        from common.logging import configure_logging
        from db.session import get_engine, get_sessionmaker

        settings = get_settings()
        configure_logging(settings.log_level)
        if metrics_port:
            _exit_if_port_busy(metrics_host, metrics_port)
        turns, outbox_worker = build_workers(settings, get_sessionmaker())
        # This host's spool (messages its webhooks kept while the database was unreachable) is
        # replayed here too: an API process that stopped during an outage leaves them to us.
        intake = Intake.for_app(settings, get_engine(), get_sessionmaker())
        intake.on_recorded = turns.wake
        workers: list[BackgroundWorker] = [intake.replayer(), turns, outbox_worker]

        from api.metrics import MetricsServer
        from api.metrics import metrics_server as make_metrics_server

        metrics_server: MetricsServer | None = None
        if metrics_port:
            metrics_server = make_metrics_server(get_sessionmaker(), metrics_host, metrics_port)

        def stop() -> None:
            for w in workers:
                w.stop()
            if metrics_server is not None:
                metrics_server.should_exit = True

        async def main() -> None:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop)
            extra = [metrics_server.serve()] if metrics_server is not None else []
            await asyncio.gather(*(w.run() for w in workers), *extra)

        asyncio.run(main())

    @app.command()
    def demo(
        host: str = typer.Option("127.0.0.1", "--host"),
        port: int = typer.Option(8000, "--port"),
    ) -> None:
        """SQLite in this folder, migrations, the fictional demo roster, and the server."""
        from api.app import create_app
        from bot.demo_accounts import DEMO_ACCOUNTS, ensure_demo_accounts
        from bot.roster.demo import ensure_demo_roster
        from db.migrate import upgrade
        from db.session import get_sessionmaker, session_scope

        # The port first: nothing is migrated or created when the server could not start anyway.
        _exit_if_port_busy(host, port)
        # A terminal for people trying it out: warnings only, unless LOG_LEVEL asks for more (at
        # INFO every chat turn prints a JSON line).
        if "LOG_LEVEL" not in os.environ:
            from common.logging import configure_logging

            os.environ["LOG_LEVEL"] = "WARNING"
            get_settings.cache_clear()
            configure_logging("WARNING")
        # The demo is where the local web chat belongs: always on here, whatever HOTLINE_WEBCHAT says.
        settings = settings_to_serve(get_settings(), host, demo=True).model_copy(update={"hotline_webchat": True})
        upgrade(settings.database_url)
        loaded = ensure_demo_roster(get_sessionmaker())
        typer.echo(f"demo roster: {loaded} fictional persons loaded" if loaded else "demo roster already loaded")
        with session_scope() as session:
            accounts = ensure_demo_accounts(session)
        for username, role, password in accounts:
            typer.echo(f"console account {username} ({role}), password: {password}  (shown only now)")
        # Said on every start: the passwords above are shown once, and a later start says nothing else.
        names = ", ".join(name for name, _ in DEMO_ACCOUNTS)
        typer.echo(f"console accounts {names}: a new password for one with "
                   "hotline users reset-password --username NAME")
        typer.echo(f"hotline on http://{host}:{port}  (start page /, API docs /docs, web chat /chat, console /console)")
        _run(create_app(settings, run_worker=True), host, port)
