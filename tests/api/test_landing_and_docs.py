"""The first page a newcomer opens, ``/``, and the API reference (``/docs``, ``/redoc``): Spanish,
links that lead somewhere, no external URL (the reference works offline, from files the app
serves), no inline script or style (a Content-Security-Policy without 'unsafe-inline' allows them).
The last test opens both references in Debian's Chromium with every request off this machine
refused, and checks that they draw the API. Runs the browser once (SQLite)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from common.settings import Settings
from tests.support import ROOT, free_port, hotline_env, running_hotline

PAGES = ("/", "/docs", "/redoc")
CHROMIUM = "/usr/bin/chromium"  # Debian's (scripts/ensure_services.sh installs it), as the console's test
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VENDOR = ROOT / "api" / "static" / "vendor"


class _Page(HTMLParser):
    """The page's links and scripts, and everything a strict CSP or an offline browser would stop."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.links: dict[str, str] = {}  # href -> text
        self.problems: list[str] = []
        self._in_script = False
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name in ("src", "href", "action", "spec-url") and value is not None:
                self.urls.append(value)
            if name == "style" or name.startswith("on"):
                self.problems.append(f"inline {name} on <{tag}>")
        if tag == "style":
            self.problems.append("a <style> element")
        if tag == "script":
            self._in_script = True
            if not values.get("src"):
                self.problems.append("an inline <script>")
        if tag == "a":
            self._href = values.get("href")
            if self._href is not None:
                self.links[self._href] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
        if tag == "a":
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append("script text inside <script>")
        if self._href is not None:
            self.links[self._href] += data.strip()


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@pytest.fixture
def chat_on_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"hotline_webchat": True}))) as c:
        yield c


def test_the_landing_page_says_what_this_is_in_spanish_and_links_chat_console_and_api(
    chat_on_client: TestClient, client: TestClient
) -> None:
    response = chat_on_client.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="es">' in html
    assert "Línea de información para familiares" in html and "verificada" in html
    links = _parse(html).links
    assert {"/chat", "/console", "/docs", "/redoc"} <= set(links)
    assert links["/chat"] == "Chat de prueba" and links["/console"] == "Consola de operadores"
    assert links["/docs"] == "Referencia de la API"
    # Each link leads somewhere (the console sends a stranger to its login page).
    for href in links:
        assert chat_on_client.get(href).status_code == 200, href
    # Without the web chat, no link to it.
    off = client.get("/").text
    assert "/chat" not in _parse(off).links and "/console" in _parse(off).links


def test_in_production_the_landing_page_does_not_link_the_hidden_api_reference(settings: Settings) -> None:
    production = settings.model_copy(update={"hotline_env": "production"})
    with TestClient(create_app(production)) as client:
        links = _parse(client.get("/").text).links
    assert "/console" in links and "/docs" not in links and "/redoc" not in links


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_external_url_and_no_inline_script_or_style(chat_on_client: TestClient, path: str) -> None:
    response = chat_on_client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "http://" not in response.text and "https://" not in response.text
    page = _parse(response.text)
    assert page.problems == []
    assert page.urls
    for url in page.urls:
        assert url.startswith("/") and not url.startswith("//"), url
        assert chat_on_client.get(url).status_code == 200, url


def test_the_api_reference_loads_the_vendored_bundles_with_their_licences(chat_on_client: TestClient) -> None:
    docs = _parse(chat_on_client.get("/docs").text).urls
    swagger_js = next(u for u in docs if u.endswith("swagger-ui-bundle.js"))
    assert "SwaggerUIBundle" in chat_on_client.get(swagger_js).text
    init = chat_on_client.get(next(u for u in docs if u.endswith("swagger-init.js"))).text
    assert '"/openapi.json"' in init and "validatorUrl: null" in init  # nothing sent to an outside validator
    redoc = _parse(chat_on_client.get("/redoc").text).urls
    assert "/openapi.json" in redoc
    assert "Redoc" in chat_on_client.get(next(u for u in redoc if u.endswith("redoc.standalone.js"))).text
    assert "Apache License" in (VENDOR / "swagger-ui" / "LICENSE").read_text()
    assert (VENDOR / "swagger-ui" / "NOTICE").is_file()
    assert "MIT License" in (VENDOR / "redoc" / "LICENSE").read_text()
    # The files go into the installed package (the image serves them too).
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"LICENSE"' in pyproject and '"NOTICE"' in pyproject


@pytest.fixture
def server(_sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    path = tmp_path / "docs.db"
    shutil.copyfile(_sqlite_template, path)
    port = free_port()
    with running_hotline(["serve", "--port", str(port), "--no-worker"], hotline_env(f"sqlite:///{path}"), port) as base:
        yield base


def test_the_api_reference_draws_the_api_in_a_browser_with_no_internet(server: str) -> None:
    from playwright.sync_api import Route, sync_playwright

    refused: list[str] = []
    errors: list[str] = []  # script errors, and what a Content-Security-Policy blocked

    def offline(route: Route) -> None:
        if route.request.url.startswith(server + "/"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = chromium.new_page()
            page.route("**/*", offline)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(server + "/docs")
            page.wait_for_selector(".opblock-summary-path[data-path='/api/v1/persons']", timeout=30_000)
            page.goto(server + "/redoc")
            page.wait_for_selector("[data-section-id^='operation/']", timeout=30_000)
            assert page.get_by_text("/api/v1/persons/{person_id}", exact=True).count() >= 1
        finally:
            chromium.close()
    # ReDoc's sidebar shows the Redocly logo from its CDN, and hides it when it does not load: the
    # page's own policy blocks that image before any request leaves (so it is not in `refused`).
    logo = [e for e in errors if "https://cdn.redoc.ly/redoc/logo-mini.svg" in e and "img-src" in e]
    assert refused == [] and [e for e in errors if e not in logo] == []
