"""The operator console (``/console``): server-rendered Spanish pages over the same services as the
JSON API (bot.cases, bot.status_review, the roster importer). See docs/console.md."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.console.security import Forbidden, LoginRequired, render


def routers() -> list[APIRouter]:
    """The console's routers, one per area; every path is under /console."""
    from api.console import (
        account,
        audit,
        auth,
        cases,
        dashboard,
        exports,
        imports,
        live,
        notices,
        persons,
        queue,
        replies,
        static,
        users,
    )

    return [m.router for m in (auth, account, queue, cases, persons, imports, dashboard, audit, users, exports,
                               notices, live, replies, static)]


def install(app: FastAPI) -> None:
    """Add the console's routes and its two answers to a refused request (login page, 403 page)."""
    for router in routers():
        app.include_router(router, prefix="/console", include_in_schema=False)

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return RedirectResponse(exc.next_path, status_code=303)

    async def forbidden(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Forbidden)
        return render(request, "console/forbidden.html", {"message": exc.message}, status_code=403,
                      operator=getattr(request.state, "console_operator", None))

    async def not_found(request: Request, exc: Exception) -> Response:
        # Console pages answer a missing case or record with a page; everything else keeps
        # FastAPI's JSON errors.
        assert isinstance(exc, StarletteHTTPException)
        if request.url.path.startswith("/console/") and exc.status_code == 404:
            return render(request, "console/forbidden.html",
                          {"title": "No encontrado", "message": str(exc.detail) if exc.detail != "Not Found"
                           else "La página no existe."}, status_code=404)
        if request.url.path.startswith("/console/") and exc.status_code == 413:
            # The body bound (api/hardening.py): a file or a form far larger than any of ours.
            return render(request, "console/forbidden.html",
                          {"title": "Demasiado grande", "message": "El archivo o el formulario es demasiado "
                           "grande. Los archivos CSV pueden tener hasta 50 MB."}, status_code=413)
        return await http_exception_handler(request, exc)

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(StarletteHTTPException, not_found)
