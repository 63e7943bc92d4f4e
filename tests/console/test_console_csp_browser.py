"""Finding 10 in a real browser: every console page works under the Content-Security-Policy (no
inline script or style left anywhere), so Chromium reports no violation, and the queue's script
still runs. Debian's Chromium through Playwright against ``hotline serve`` on SQLite, once.
All accounts and records are FICTIONAL."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from bot.auth import create_user
from bot.matching.keys import person_keys
from db.models import Incident, Person
from db.session import make_engine
from tests.support import free_port, hotline_env, running_hotline

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "ficticia-Larga-2026-cielo-verde"  # fictional
PAGES = ["/console", "/console/queue", "/console/dashboard", "/console/persons?q=Ficticio", "/console/import",
         "/console/exports", "/console/audit", "/console/users"]


@pytest.fixture
def server(_sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[str, int]]:
    path = tmp_path / "csp.db"
    shutil.copyfile(_sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with sessionmaker(bind=engine).begin() as s:
        create_user(s, "ada-csp", "admin", PASSWORD, actor="test")
        incident = Incident(name="Incendio ficticio (CSP)")
        s.add(incident)
        s.flush()
        person = Person(incident_id=incident.id, given_names="Ana", surnames="Ficticio Prueba",
                        **person_keys("Ana", "Ficticio Prueba"))
        s.add(person)
        s.flush()
        person_id = person.id
    engine.dispose()
    port = free_port()
    with running_hotline(["serve", "--port", str(port), "--no-worker"], hotline_env(url), port) as base:
        yield base, person_id


def test_no_console_page_breaks_the_content_security_policy(server: tuple[str, int]) -> None:
    from playwright.sync_api import sync_playwright

    base, person_id = server
    problems: list[str] = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = chromium.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.goto(base + "/console/login")
            page.fill("input[name=username]", "ada-csp")
            page.fill("input[name=password]", PASSWORD)
            page.click("button:has-text('Entrar')")
            page.wait_for_url(re.compile(r".*/console$"))
            for path in [*PAGES, f"/console/persons/{person_id}"]:
                response = page.goto(base + path)
                assert response is not None and response.status == 200, path
                assert "script-src 'self'" in (response.headers.get("content-security-policy") or ""), path
            # The queue's own script (a static file) runs under the policy: it polls the rows.
            page.goto(base + "/console/queue")
            with page.expect_response(lambda r: "/console/queue" in r.url and r.request.resource_type == "fetch",
                                      timeout=15_000):
                pass
        finally:
            chromium.close()
    violations = [m for m in problems if "Content Security Policy" in m or "Refused to" in m]
    assert violations == [], violations
