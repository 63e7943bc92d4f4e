"""Error answers in one shape (``api.schemas.ErrorOut``: ``{"detail": str, ...}``), whatever made them.

Routes raise ``HTTPException`` with a string ``detail``; validation errors get ``errors`` as well
(api/app.py). This module covers what the routes do not make themselves:

- 405: Starlette answers with the methods of the FIRST route whose path matched, so a path served by
  two routes (``GET`` and ``POST /api/v1/tokens``) said ``Allow: GET`` to a ``PUT``. ``Allow`` here
  lists every method any route serves at that path (RFC 9110 15.5.6).
- an unexpected exception: ``{"detail": "internal server error"}`` rather than a text page (nothing
  of the exception reaches the client; it is still logged and re-raised by Starlette).
"""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match


def allowed_methods(request: Request) -> str:
    """The methods some route of the app serves at this request's path, e.g. ``GET, POST``."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):  # through included routers too
        if route.methods is None:
            continue  # a mount (static files) or a websocket route
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= route.methods
    return ", ".join(sorted(methods))


async def _unexpected_error(_: Request, __: Exception) -> Response:
    return JSONResponse(status_code=500, content={"detail": "internal server error"})


def install(app: FastAPI) -> None:
    """After every router: the handler of HTTP errors registered then (the console's pages) is kept
    and gets the corrected exception."""
    handle = app.exception_handlers.get(StarletteHTTPException, http_exception_handler)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 405:
            exc.headers = {**(exc.headers or {}), "Allow": allowed_methods(request)}
        if not isinstance(exc.detail, str):  # every detail of ours is a sentence; keep the promise
            exc.detail = str(exc.detail)
        answer = handle(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, _unexpected_error)
