"""``hotline telegram poll`` and ``hotline telegram set-webhook`` as subprocesses against the fake Bot
API. Chats and texts are FICTIONAL."""

from __future__ import annotations

import signal
import subprocess
import time

from bot import texts_es as T
from tests.channels.helpers import TELEGRAM_SECRET, counts, provider_env
from tests.fakes import FakeTelegram
from tests.support import HOTLINE, ROOT, hotline_env, run_hotline

PUBLIC_URL = "https://hotline.example.org"


def test_set_webhook_registers_the_public_url_with_the_secret(db_url: str, fake_telegram: FakeTelegram) -> None:
    env = hotline_env(db_url, HOTLINE_PUBLIC_URL=PUBLIC_URL, **provider_env(telegram=fake_telegram))
    result = run_hotline(["telegram", "set-webhook"], env)
    assert result.returncode == 0, result.stderr
    assert f"{PUBLIC_URL}/webhooks/telegram" in result.stdout
    [call] = fake_telegram.calls_of("setWebhook")
    assert call["params"]["url"] == f"{PUBLIC_URL}/webhooks/telegram"
    assert call["params"]["secret_token"] == TELEGRAM_SECRET
    assert fake_telegram.webhook["url"] == f"{PUBLIC_URL}/webhooks/telegram"


def test_set_webhook_refuses_to_register_without_a_secret(db_url: str, fake_telegram: FakeTelegram) -> None:
    env = hotline_env(db_url, HOTLINE_PUBLIC_URL=PUBLIC_URL, **provider_env(telegram=fake_telegram))
    env["TELEGRAM_WEBHOOK_SECRET"] = ""
    result = run_hotline(["telegram", "set-webhook"], env)
    assert result.returncode == 2 and "TELEGRAM_WEBHOOK_SECRET" in result.stderr
    assert fake_telegram.calls_of("setWebhook") == []


def test_long_polling_answers_a_pushed_update_once(db_url: str, session_factory, fake_telegram: FakeTelegram) -> None:
    chat = 700_000_123
    # A webhook left over from production: polling must remove it first (getUpdates is refused).
    fake_telegram.webhook = {"url": f"{PUBLIC_URL}/webhooks/telegram"}
    env = hotline_env(db_url, **provider_env(telegram=fake_telegram, TELEGRAM_PER_CHAT_PER_SECOND="1"))
    proc = subprocess.Popen([HOTLINE, "telegram", "poll"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        fake_telegram.push(fake_telegram.updates.text(chat, "Hola"))
        deadline = time.monotonic() + 60
        while len(fake_telegram.sent_to(chat)) < 2 and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            time.sleep(0.1)
        assert fake_telegram.sent_to(chat) == [T.WELCOME, T.ASK_NAME]
        # The update was acknowledged: the next getUpdates moved the offset past it.
        deadline = time.monotonic() + 30
        while fake_telegram.pending_updates and time.monotonic() < deadline:
            time.sleep(0.1)
        assert fake_telegram.pending_updates == []
        assert counts(session_factory)["inbound"] == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert fake_telegram.calls_of("deleteWebhook")
    assert proc.returncode == 0
