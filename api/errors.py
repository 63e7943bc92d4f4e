"""Error answers in one shape (``api.schemas.ErrorOut``: ``{"detail": str, "code": str, ...}``), whatever
made them.

Every error carries a stable ``code`` (``ErrorCode``, or a route's own) that clients branch on, and an
English ``detail`` for developers: an interface that speaks another language words the code itself,
never the English sentence (docs/api.md, "Errors").

A route raises ``ApiError(409, "stale_version", "...")`` to give its own code, or a plain
``HTTPException`` and gets the code of its status (``CODE_OF_STATUS``). Validation errors get
``errors`` as well (api/app.py). This module covers what the routes do not make themselves:

- 405: Starlette answers with the methods of the FIRST route whose path matched, so a path served by
  two routes (``GET`` and ``POST /api/v1/tokens``) said ``Allow: GET`` to a ``PUT``. ``Allow`` here
  lists every method any route serves at that path (RFC 9110 15.5.6).
- an unexpected exception: ``{"detail": "internal server error", "code": "internal_error"}`` rather
  than a text page (nothing of the exception reaches the client; it is still logged and re-raised by
  Starlette).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from fastapi.utils import is_body_allowed_for_status_code
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match


class ErrorCode(StrEnum):
    """The codes every route shares (a route may add its own, documented with the route)."""

    BAD_REQUEST = "bad_request"  # 400: the body is not JSON, a webhook's field is malformed
    UNAUTHENTICATED = "unauthenticated"  # 401: no token, or an unknown, revoked or expired one
    FORBIDDEN = "forbidden"  # 403: the token's role is too small, a bad signature or secret
    NOT_FOUND = "not_found"  # 404: no such id, no such path
    METHOD_NOT_ALLOWED = "method_not_allowed"  # 405
    CONFLICT = "conflict"  # 409: the request does not fit the current state
    STALE_VERSION = "stale_version"  # 409: the status version moved on since the client read it
    TOO_LARGE = "too_large"  # 413: the body is over the bound
    INVALID_INPUT = "invalid_input"  # 422: `errors` says each field and why
    RATE_LIMITED = "rate_limited"  # 429: wait `Retry-After` seconds
    INTERNAL_ERROR = "internal_error"  # 500
    UNAVAILABLE = "unavailable"  # 503: the database is unreachable; try again


CODE_OF_STATUS: dict[int, ErrorCode] = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHENTICATED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.TOO_LARGE,
    422: ErrorCode.INVALID_INPUT,
    429: ErrorCode.RATE_LIMITED,
    500: ErrorCode.INTERNAL_ERROR,
    503: ErrorCode.UNAVAILABLE,
}


def code_of_status(status: int) -> str:
    """The code of an error that names none: its status's, else ``http_<status>``."""
    return CODE_OF_STATUS.get(status, f"http_{status}")


class ApiError(StarletteHTTPException):
    """An HTTP error with its own code, an English ``detail`` and, if need be, more fields of
    ``ErrorOut`` (``current_version=3``; ``message="..."``)::

        raise ApiError(409, "case_closed", "the case is closed")

    A code is lower-case words joined by ``_``, stable once published: clients branch on it."""

    def __init__(self, status_code: int, code: str, detail: str, *,
                 headers: Mapping[str, str] | None = None, **fields: Any) -> None:
        super().__init__(status_code, detail=detail, headers=dict(headers) if headers else None)
        self.code = str(code)
        self.fields = fields


def error_body(status: int, detail: str, code: str | None = None, **fields: Any) -> dict[str, Any]:
    """The JSON of an error answer (``ErrorOut``); ``code`` defaults to the status's."""
    return {"detail": detail, "code": code or code_of_status(status), **fields}


def error_response(status: int, detail: str, code: str | None = None, *,
                   headers: Mapping[str, str] | None = None, **fields: Any) -> JSONResponse:
    """An error answer built by hand (a route that returns rather than raises)."""
    return JSONResponse(status_code=status, content=error_body(status, detail, code, **fields),
                        headers=dict(headers) if headers else None)


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
    return error_response(500, "internal server error")


def install(app: FastAPI) -> None:
    """After every router: the console's pages keep the handler of HTTP errors registered then (it
    gets the corrected exception); every other path answers ``ErrorOut`` with its code."""
    handle = app.exception_handlers.get(StarletteHTTPException, http_exception_handler)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 405:
            exc.headers = {**(exc.headers or {}), "Allow": allowed_methods(request)}
        if not isinstance(exc.detail, str):  # every detail of ours is a sentence; keep the promise
            exc.detail = str(exc.detail)
        if request.url.path.startswith("/console/"):
            answer = handle(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        if not is_body_allowed_for_status_code(exc.status_code):
            return Response(status_code=exc.status_code, headers=exc.headers)
        if isinstance(exc, ApiError):
            return error_response(exc.status_code, exc.detail, exc.code, headers=exc.headers, **exc.fields)
        return error_response(exc.status_code, exc.detail, headers=exc.headers)

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, _unexpected_error)
