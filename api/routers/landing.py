"""The front door: ``/``, a small Spanish page saying what this is with links to the web chat (when it
is on), the console and the API reference; and the API reference itself at ``/docs`` (Swagger UI)
and ``/redoc`` (ReDoc), served from files inside the app (``api/static/vendor``, copied unchanged
from their npm packages with their licences) so that they work without internet.

No inline script or style in these pages: they pass a Content-Security-Policy without
'unsafe-inline' (their scripts are the vendored bundles and ``api/static/site/swagger-init.js``).
ReDoc alone writes its styles into the page as it draws it (styled-components), so ``/redoc`` sends
its own policy: the same, but with inline styles (never inline scripts) and the search worker
ReDoc starts from a blob. In production the reference is not served (api/hardening.py), and the
landing page does not link it.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

_API_DIR = Path(__file__).resolve().parent.parent
_TEMPLATES = Jinja2Templates(directory=_API_DIR / "templates")
_DOCS_PAGES = _API_DIR / "templates" / "apidocs"

REDOC_CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def landing(request: Request) -> Response:
    settings = request.app.state.settings
    return _TEMPLATES.TemplateResponse(request, "landing.html", {
        "chat_on": settings.hotline_webchat,
        "docs_on": settings.hotline_env != "production",  # api/hardening.py hides them in production
    })


@router.get("/docs")
def swagger_ui() -> FileResponse:
    return FileResponse(_DOCS_PAGES / "swagger.html", media_type="text/html; charset=utf-8")


@router.get("/redoc")
def redoc() -> FileResponse:
    return FileResponse(_DOCS_PAGES / "redoc.html", media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": REDOC_CONTENT_SECURITY_POLICY})


def install(app: FastAPI) -> None:
    """The pages, and their files under /static/site (ours) and /static/vendor (third parties').
    The app is created with ``docs_url=None, redoc_url=None``: FastAPI's own pages load from a CDN."""
    app.include_router(router)
    app.mount("/static/site", StaticFiles(directory=_API_DIR / "static" / "site"), name="site-static")
    app.mount("/static/vendor", StaticFiles(directory=_API_DIR / "static" / "vendor"), name="vendor-static")
