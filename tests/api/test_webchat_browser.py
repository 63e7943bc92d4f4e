"""The web chat page in a real browser: Debian's Chromium driven by Playwright against ``hotline
serve`` with ``HOTLINE_WEBCHAT=1`` on SQLite. A relative writes, sees the replies, reloads and sees
the conversation again; an operator's reply arrives by polling; an over-long message gets the kind
reply and its text back in the box. The page must not trip a Content-Security-Policy (no inline
script or style): any console error fails the test. Screenshots go to test-artifacts/webchat/.

Runs once (SQLite, whatever ``--db`` says), like the console's browser test. All names and texts are
FICTIONAL.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from db.models import Conversation
from db.repositories.outbox import enqueue
from db.session import make_engine
from tests.support import ROOT, free_port, hotline_env, running_hotline

CHROMIUM = "/usr/bin/chromium"  # Debian's (scripts/ensure_services.sh installs it); as the console's test
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts" / "webchat"
OPERATOR_REPLY = "Le escribe Olga, del equipo (mensaje ficticio): seguimos revisando su caso."


@pytest.fixture
def chat_server(_sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[str, str]]:
    path = tmp_path / "webchat.db"
    shutil.copyfile(_sqlite_template, path)
    url = f"sqlite:///{path}"
    port = free_port()
    env = hotline_env(url, HOTLINE_WEBCHAT="1", WEBCHAT_MESSAGES_PER_MINUTE="0")
    with running_hotline(["serve", "--port", str(port)], env, port) as base:
        yield base, url


def test_write_see_the_reply_reload_and_see_the_conversation_again(chat_server: tuple[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    base, url = chat_server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = chromium.new_context(viewport={"width": 420, "height": 860}, locale="es-MX").new_page()
            failed: list[str] = []
            page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(base + "/chat")

            page.fill("#t", "hola")
            page.press("#t", "Enter")
            page.locator(".msg.bot", has_text="nombre completo").wait_for()
            page.fill("#t", "Busco a Mariano Fictício Inventado")
            page.click("#send")
            page.locator(".msg.bot", has_text="fecha de nacimiento").wait_for()
            before = page.locator(".msg").all_inner_texts()
            assert before[0] == "hola" and "Busco a Mariano Fictício Inventado" in before
            session_id = page.evaluate("sessionStorage.getItem('hotline-chat-session')")
            assert session_id and "." in session_id  # issued by the server, not made up in the page

            page.reload()
            page.locator(".msg.bot", has_text="fecha de nacimiento").wait_for()
            page.wait_for_function("n => document.querySelectorAll('.msg').length === n", arg=len(before))
            assert page.locator(".msg").all_inner_texts() == before
            assert page.locator(".msg.me").all_inner_texts() == ["hola", "Busco a Mariano Fictício Inventado"]
            assert page.evaluate("sessionStorage.getItem('hotline-chat-session')") == session_id
            page.screenshot(path=str(ARTIFACTS / "after-reload.png"), full_page=True)

            # An operator's reply (through the outbox, as the console queues it) arrives by polling,
            # once, and after it nothing is drawn twice.
            engine = make_engine(url)
            try:
                with sessionmaker(bind=engine).begin() as s:
                    conversation = s.scalars(select(Conversation).where(Conversation.channel == "local")).one()
                    enqueue(s, channel="local", recipient=conversation.address, text=OPERATOR_REPLY,
                            kind="operator", conversation_id=conversation.id)
            finally:
                engine.dispose()
            page.locator(".msg.bot", has_text="Le escribe Olga").wait_for(timeout=15_000)
            page.wait_for_timeout(3500)  # one more poll
            assert page.locator(".msg").all_inner_texts() == [*before, OPERATOR_REPLY]

            # Too long: the kind reply, and the text back in the box to shorten (nothing recorded).
            long_text = "Busco a mi hermano, por favor ayúdenme. " * 120
            page.fill("#t", long_text)
            page.click("#send")
            page.locator(".msg.bot", has_text="Su mensaje es muy largo").wait_for()
            assert page.input_value("#t") == long_text
            page.screenshot(path=str(ARTIFACTS / "too-long.png"), full_page=True)
            page.reload()
            page.locator(".msg.bot", has_text="Le escribe Olga").wait_for()
            assert page.locator(".msg").all_inner_texts() == [*before, OPERATOR_REPLY]

            # "Empezar una conversación nueva": an empty page and, at the next message, a new id.
            page.click("#reset")
            assert page.locator(".msg").count() == 0
            page.fill("#t", "hola")
            page.press("#t", "Enter")
            page.locator(".msg.bot", has_text="nombre completo").wait_for()
            assert page.evaluate("sessionStorage.getItem('hotline-chat-session')") not in (None, session_id)
        finally:
            chromium.close()
    # The browser asks for /favicon.ico on its own (the app has none); anything else failing is a bug.
    assert [f for f in failed if not f.endswith("/favicon.ico")] == []
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []
