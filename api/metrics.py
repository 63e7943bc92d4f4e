"""``GET /metrics`` (Prometheus text), for the web process and for ``hotline worker --metrics-port``.

Any valid API token may scrape (``Authorization: Bearer``): the counts by outcome must not tell
outsiders whether a name is on the list (SPEC section 5, last paragraph). 401 without one; 503 when
the database that holds the tokens does not answer (never a 500). Each process serves its own
counters (sends, claims lost, repeats are counted where they happen: in the worker); the backlog of
recorded messages is the database's, read at each scrape, so any process reports it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.deps import get_current_token
from common.metrics import INBOUND_OLDEST_PENDING_SECONDS, INBOUND_PENDING
from db.base import utcnow
from db.repositories.conversations import pending_backlog

_bearer = HTTPBearer(auto_error=False)


def _scraper_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    try:
        with request.app.state.sessionmaker.begin() as session:
            get_current_token(session, credentials)  # the API's own check: revoked, expired...
    except SQLAlchemyError:
        raise HTTPException(503, detail="database unreachable: the token cannot be checked") from None


router = APIRouter(include_in_schema=False)


@router.get("/metrics", dependencies=[Depends(_scraper_token)])
def metrics(request: Request) -> Response:
    # An alert on the backlog's age catches workers that are not running.
    try:
        with request.app.state.sessionmaker() as session:
            pending, oldest = pending_backlog(session)
        INBOUND_PENDING.set(pending)
        INBOUND_OLDEST_PENDING_SECONDS.set((utcnow() - oldest).total_seconds() if oldest else 0)
    except Exception:  # the process metrics still matter when the database does not answer
        pass
    return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def metrics_app(factory: sessionmaker[Session]) -> FastAPI:
    """The worker's own small app: ``/metrics`` only, with the same token check."""
    from api.errors import install as install_error_handlers

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.sessionmaker = factory
    app.include_router(router)
    install_error_handlers(app)
    return app


class MetricsServer(uvicorn.Server):
    """Serves ``metrics_app`` inside ``hotline worker``'s event loop. The worker handles SIGTERM
    and SIGINT itself (it drains its jobs), then sets ``should_exit``: uvicorn must not take the
    signals over."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def metrics_server(factory: sessionmaker[Session], host: str, port: int) -> MetricsServer:
    return MetricsServer(uvicorn.Config(metrics_app(factory), host=host, port=port, log_level="warning"))
