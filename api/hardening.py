"""What every HTTP answer of the web process gets, whatever route made it (SPEC section 9):

- request bodies bounded before anything reads them (Starlette's body limit, set on the app and,
  larger, on the console's import upload): a declared Content-Length above the bound is a 413
  before one byte is read, and a streamed body is counted as it arrives; the 413 is JSON like every
  other error (but on the console's pages);
- security headers: a Content-Security-Policy that allows no inline script and no third-party
  origin (the console's scripts and styles are files under /console/static), no framing, no MIME
  sniffing, no referrer, and HSTS when the public URL is https;
- the API documentation and /openapi.json answer 404 in production: they map every route for
  whoever looks, and the documentation pages run scripts on the console's origin.

A page that needs another policy (the API documentation in development) sets its own
Content-Security-Policy header; this module only adds the headers a response does not have.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.settings import Settings

# Every webhook, form and JSON body of ours is a few kilobytes; 1 MiB leaves room for any of them.
MAX_BODY_BYTES = 1024 * 1024

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HSTS = "max-age=31536000"

API_DOCS_PATHS = ("/docs", "/redoc", "/openapi.json")


def security_headers(settings: Settings) -> list[tuple[str, str]]:
    headers = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    ]
    if settings.hotline_public_url.lower().startswith("https://"):
        headers.append(("Strict-Transport-Security", HSTS))
    return headers


# Starlette's body limit answers a 413 in plain text when it refuses a body before a route read it;
# every other error of the API is JSON (api.schemas.ErrorOut). The console keeps its own pages.
TOO_LARGE_JSON = b'{"detail":"Content Too Large","code":"too_large"}'


def _is_plain_too_large(status: int, headers: MutableHeaders, path: str) -> bool:
    return status == 413 and headers.get("content-type", "").startswith("text/plain") \
        and not path.startswith("/console/")


def is_api_docs_path(path: str) -> bool:
    return path in API_DOCS_PATHS or path.startswith(("/docs/", "/redoc/"))


class HardeningMiddleware:
    """The headers on every response; the API documentation off in production."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = security_headers(settings)
        self.hide_api_docs = settings.hotline_env == "production"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        too_large_as_json = False

        async def send_with_headers(message: Message) -> None:
            nonlocal too_large_as_json
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if _is_plain_too_large(message["status"], headers, scope["path"]):
                    too_large_as_json = True
                    headers["Content-Type"] = "application/json"
                    headers["Content-Length"] = str(len(TOO_LARGE_JSON))
                for name, value in self.headers:
                    if name not in headers:
                        headers[name] = value
            elif message["type"] == "http.response.body" and too_large_as_json:
                message = {"type": "http.response.body", "body": TOO_LARGE_JSON, "more_body": False}
            await send(message)

        if self.hide_api_docs and is_api_docs_path(scope["path"]):
            await JSONResponse({"detail": "Not Found", "code": "not_found"}, status_code=404)(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI, settings: Settings) -> None:
    """Wrap the whole application, outside even FastAPI's own error and body-limit middleware, so
    that a 413 or a 500 page carries the headers too."""
    build_stack = app.build_middleware_stack

    def build_hardened_stack() -> ASGIApp:
        return HardeningMiddleware(build_stack(), settings)

    app.build_middleware_stack = build_hardened_stack  # type: ignore[method-assign]
