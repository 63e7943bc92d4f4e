"""Finding 10: security headers on every response (a CSP without inline script, no framing, no
sniffing, no referrer, HSTS behind https), the console's templates free of inline script and style
so that the CSP holds, and the API documentation and /openapi.json not public in production."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from common.settings import Settings
from tests.security.asgi import call, zeros

TEMPLATES = Path(__file__).resolve().parents[2] / "api" / "templates" / "console"


def _assert_hardened(headers: dict[str, str] | object, what: str) -> None:
    get = headers.get  # type: ignore[attr-defined]
    csp = get("content-security-policy") or ""
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";") if d.strip())
    assert directives.get("script-src") == "'self'", (what, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "http" not in csp, (what, csp)
    assert directives.get("frame-ancestors") == "'none'", (what, csp)
    assert directives.get("object-src") == "'none'", (what, csp)
    assert get("x-content-type-options") == "nosniff", what
    assert get("referrer-policy") in ("no-referrer", "strict-origin"), what
    assert get("x-frame-options") == "DENY", what


def test_every_kind_of_response_carries_the_security_headers(settings: Settings) -> None:
    on = settings.model_copy(update={"twilio_account_sid": "AC" + "0" * 32, "twilio_auth_token": "ficticio",
                                     "twilio_phone_number": "+15005550006"})
    app = create_app(on)
    with TestClient(app, raise_server_exceptions=False) as client:
        answers = {
            "health": client.get("/healthz"),
            "console page": client.get("/console/login"),
            "console redirect": client.get("/console/queue", follow_redirects=False),
            "static file": client.get("/console/static/console.js"),
            "404": client.get("/no-such-page"),
            "401": client.get("/api/v1/persons"),
            "422": client.get("/api/v1/persons/abc"),
            "webhook 403": client.post("/webhooks/twilio/sms", data={"From": "+15005550006"}),
        }
        for what, r in answers.items():
            _assert_hardened(r.headers, what)
            assert "strict-transport-security" not in r.headers  # the public URL is http
    too_big = call(app, "POST", "/webhooks/telegram", zeros(2 * 1024 * 1024),
                   headers={"content-length": str(2 * 1024 * 1024)})
    assert too_big.status == 413
    _assert_hardened(too_big.headers, "413")


def test_hsts_when_the_public_url_is_https(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"hotline_public_url": "https://linea.example.org"}))
    with TestClient(app) as client:
        r = client.get("/healthz")
    assert re.fullmatch(r"max-age=\d{7,}.*", r.headers["strict-transport-security"])


def test_api_docs_and_the_openapi_document_are_not_public_in_production(settings: Settings) -> None:
    production = settings.model_copy(update={"hotline_env": "production",
                                             "hotline_secret_key": secrets.token_urlsafe(48)})
    with TestClient(create_app(production)) as client:
        for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
            r = client.get(path)
            assert r.status_code == 404, path
            _assert_hardened(r.headers, path)
        assert client.get("/healthz").status_code == 200


def test_the_openapi_document_stays_in_development(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        assert "openapi" in client.get("/openapi.json").json()


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_console_templates_have_no_inline_script_or_style(template: str) -> None:
    html = (TEMPLATES / template).read_text()
    for tag in re.findall(r"<script\b[^>]*>", html, flags=re.I):
        assert re.search(r"\bsrc=", tag), f"{template}: inline <script> (move it to /console/static)"
    assert not re.search(r"<style\b", html, flags=re.I), f"{template}: <style> element"
    assert not re.search(r"\son[a-z]+\s*=", html, flags=re.I), f"{template}: on*= event handler"
    assert not re.search(r"\sstyle\s*=", html, flags=re.I), f"{template}: style= attribute"
    assert "javascript:" not in html.lower(), f"{template}: javascript: URL"
