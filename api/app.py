"""The application factory: the composition root of the web process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from api import hardening
from api.composition import BackgroundWorker, build_workers
from api.errors import ErrorCode, error_response
from api.errors import install as install_error_handlers
from api.intake import Intake
from api.metrics import router as metrics_router
from bot.channels.telegram_app import build_application, start_application, stop_application
from common.logging import configure_logging
from common.settings import Settings, get_settings
from db.session import make_engine


def create_app(settings: Settings | None = None, *, run_worker: bool = False) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        telegram = build_application(settings) if settings.telegram_enabled else None
        telegram_started = await start_application(telegram) if telegram else False
        app.state.telegram_application = telegram
        # Messages this host spooled while the database was unreachable: into the database as soon
        # as it answers (also with --no-worker: the spool is this host's).
        workers: list[BackgroundWorker] = [intake.replayer()]
        if run_worker:
            # The in-process workers: the turns of recorded messages, and the outbox.
            turns, outbox_worker = build_workers(settings, app.state.sessionmaker,
                                                 telegram.bot if telegram else None)
            intake.on_recorded = turns.wake
            workers += [turns, outbox_worker]
        tasks = [asyncio.create_task(w.run()) for w in workers]
        try:
            yield
        finally:
            intake.on_recorded = None
            for w in workers:
                w.stop()
            await asyncio.gather(*tasks)
            if telegram:
                await stop_application(telegram, telegram_started)
            intake.dispose()
            engine.dispose()

    app = FastAPI(
        # Bodies bounded before they are read (api/hardening.py); the import upload has its own.
        max_body_size=hardening.MAX_BODY_BYTES,
        title="Línea de información para familiares",
        version="0.1.0",
        description="Verified status of persons held in custody during a disaster; API for operators "
        "and integrations.",
        lifespan=lifespan,
        # FastAPI's own /docs and /redoc load their scripts from a CDN (blank pages offline):
        # api/routers/landing.py serves them from files in the app.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker(bind=engine, expire_on_commit=False)
    intake = app.state.intake = Intake.for_app(settings, engine, app.state.sessionmaker)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        # A 422 with every field's reason; never echo the input back (it may hold personal data).
        errors = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "reason": e.get("msg", "invalid")}
            for e in exc.errors()
        ]
        return error_response(422, "invalid request", ErrorCode.INVALID_INPUT, errors=errors)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> Response:
        """Readiness: the database is reachable."""
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse(status_code=503, content={"status": "database unreachable"})
        return JSONResponse({"status": "ready"})

    app.include_router(metrics_router)

    from api.routers import register_routers

    register_routers(app)
    install_error_handlers(app)  # every other error in one shape (api.schemas.ErrorOut); right Allow on 405
    hardening.install(app, settings)
    return app
