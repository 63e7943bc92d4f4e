"""No personal data in logs (SPEC section 9): a whole day of the hotline in real processes, and not
one name, phone number, chat id or message text in anything they logged.

``hotline roster import`` loads the fictional demo roster; ``hotline serve`` (with its in-process
outbox worker) takes signed Twilio and Telegram webhooks from relatives (a disclosure, a
subscription, a death-notification case, an unknown person's case, an opt-out, a voice note),
sends through the fake providers, records Twilio's delivery callbacks, and answers an operator's
API calls; ``hotline chat`` has a piped conversation. Every process logs at INFO, the production
level. The logs are their standard error (and standard output, except for ``hotline chat``, whose
standard output is the conversation itself). All people, numbers and chats are FICTIONAL.
"""

from __future__ import annotations

import csv
import re
import subprocess
import time
from pathlib import Path

import httpx

from bot.matching.keys import fold
from tests.channels.helpers import channel_settings, post_sms, post_update, provider_env
from tests.fakes import FakeTelegram, FakeTwilio
from tests.support import HOTLINE, ROOT, free_port, hotline_env, run_hotline

ROSTER = ROOT / "bot" / "roster" / "demo_roster.csv"
PARTICLES = {"de", "del", "la", "las", "los", "y"}

SMS_A, SMS_B, SMS_C = "+50255550111", "+50455550222", "+50355550333"
CHAT_A, CHAT_B = 7100001234, 7100005678
RELATIVE = {"first_name": "Rosalinda", "last_name": "Quetzaltenango"}  # the relative's own Telegram name

SMS_TEXTS = {
    SMS_A: ["Busco a mi hijo José Luis Hernández García, nació el 3 de mayo de 1996", "sí"],
    SMS_B: ["Francisco Javier del Valle Orellana 12/06/1985"],
    SMS_C: ["Hola, busco a Wenceslao Inventado Zúñiga", "BAJA"],
}
TELEGRAM_TEXTS = {
    CHAT_A: ["Jesús Velázquez Yáñez", "nació el 25 de diciembre de 1994", "sí"],
    CHAT_B: ["Busco a mi esposo Eduardo Hernández Velázquez, colombiano, 2 de octubre de 1988",
             "quiero hablar con una persona"],
}
CHAT_TEXTS = ["Antonio Moreno Sánchez, 21/02/1987", "sí", "otra persona"]
OPERATOR_REPLY = "Buenas tardes, seguimos buscando a su familiar en los albergues"


def _forbidden() -> list[str]:
    """Every name on the demo roster (word by word, with and without accents), the relatives'
    numbers and chat ids, their Telegram names, and every message text."""
    words: set[str] = set()
    with ROSTER.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for word in f"{row['nombres']} {row['apellidos']}".split():
                if word.lower() not in PARTICLES:
                    words |= {word, fold(word)}
    numbers = {SMS_A, SMS_B, SMS_C, *(n.lstrip("+") for n in (SMS_A, SMS_B, SMS_C)),
               str(CHAT_A), str(CHAT_B)}
    texts = {t for ts in (*SMS_TEXTS.values(), *TELEGRAM_TEXTS.values(), CHAT_TEXTS) for t in ts if len(t) > 4}
    return sorted(words | numbers | texts | set(RELATIVE.values()) | {OPERATOR_REPLY})


def _leaks(logs: str) -> list[str]:
    found = []
    for item in _forbidden():
        pattern = r"(?<![\w+])" + re.escape(item) + r"(?!\w)"
        if re.search(pattern, logs, flags=re.IGNORECASE):
            found.append(item)
    return found


def _wait(predicate, timeout: float = 60.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the hotline")
        time.sleep(0.2)


def test_no_name_number_or_message_text_reaches_any_log(
    db_url: str, fake_twilio: FakeTwilio, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    env = hotline_env(db_url, **provider_env(fake_twilio, fake_telegram, HOTLINE_PUBLIC_URL=public,
                                             PFIF_DOMAIN="hotline.example.org", LOG_LEVEL="INFO"))
    logs: dict[str, str] = {}

    imported = run_hotline(["roster", "import", str(ROSTER), "--incident", "Incendio (FICTICIO)"], env)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    logs["roster import"] = imported.stdout + imported.stderr
    token = run_hotline(["tokens", "create", "--name", "logs-test", "--role", "admin"], env)
    assert token.returncode == 0, token.stderr
    logs["tokens create"] = token.stderr
    secret = token.stdout.strip().splitlines()[-1].split()[-1]

    out_path, err_path = tmp_path / "serve.out", tmp_path / "serve.err"
    with out_path.open("w") as out, err_path.open("w") as err:
        server = subprocess.Popen([HOTLINE, "serve", "--port", str(port)], env=env, cwd=ROOT, stdout=out, stderr=err)
        try:
            _wait(lambda: _healthy(public))
            settings = channel_settings(db_url, public, fake_twilio, fake_telegram)
            with httpx.Client(base_url=public, timeout=30) as client:
                # The list's deaths are proposals (four eyes): another person, this token, confirms them.
                auth = {"Authorization": f"Bearer {secret}"}
                for pending in client.get("/api/v1/pending-status-reports", headers=auth).json()["items"]:
                    confirmed = client.post(f"/api/v1/pending-status-reports/{pending['id']}/confirm", headers=auth)
                    assert confirmed.status_code == 201, confirmed.text
                for number, texts in SMS_TEXTS.items():
                    for text in texts:
                        assert post_sms(client, fake_twilio, settings, number, text).status_code == 200
                for chat, texts in TELEGRAM_TEXTS.items():
                    for text in texts:
                        update = fake_telegram.updates.text(chat, text, **RELATIVE)
                        assert post_update(client, update).status_code == 200
                assert post_update(client, fake_telegram.updates.voice(CHAT_B, **RELATIVE)).status_code == 200
                _wait(lambda: len(fake_twilio.bodies_to(SMS_A)) >= 3 and len(fake_telegram.sent_to(CHAT_A)) >= 3)
                for response in fake_twilio.deliver_pending():
                    assert response.status_code in (200, 204)

                cases = client.get("/api/v1/cases", headers=auth).json()["items"]
                assert any(c["reason"] == "death_notification" for c in cases)
                open_case = next(c for c in cases if c["channel"] == "telegram")
                reply = client.post(f"/api/v1/cases/{open_case['id']}/replies", json={"text": OPERATOR_REPLY},
                                    headers=auth)
                assert reply.status_code == 202, reply.text
                found = client.get("/api/v1/persons", params={"q": "Jose Luis Hernandez Garcia"}, headers=auth)
                assert found.status_code == 200 and found.json()["items"]
                assert client.get("/api/v1/exports/pfif.xml", headers=auth).status_code == 200
                _wait(lambda: any(OPERATOR_REPLY in m for m in fake_telegram.sent_to(CHAT_B)))
        finally:
            server.terminate()
            server.wait(timeout=20)
    logs["serve"] = out_path.read_text() + err_path.read_text()

    chat = run_hotline(["chat", "--from", "terminal-relative-1"], env, stdin="\n".join(CHAT_TEXTS) + "\n")
    assert chat.returncode == 0, chat.stderr
    assert "Hospital General de Ciudad Juárez" in chat.stdout  # the conversation did happen
    logs["chat (stderr)"] = chat.stderr

    # The scenario really happened: a disclosure by SMS, a subscription, the opt-out, Telegram replies.
    assert any("Hernández García" in body or "Hernandez Garcia" in body for body in fake_twilio.bodies_to(SMS_A))
    assert fake_telegram.sent_to(CHAT_B)
    assert any("serve" in k for k in logs) and logs["serve"].strip(), "the server logged nothing at INFO"

    leaks = {name: _leaks(text) for name, text in logs.items()}
    assert {name: found for name, found in leaks.items() if found} == {}


def _healthy(base: str) -> bool:
    try:
        return httpx.get(base + "/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_the_leak_detector_finds_names_without_accents_numbers_and_texts() -> None:
    found = {w.lower() for w in _leaks('{"q": "jose luis HERNANDEZ garcia"}')}
    assert {"jose", "luis", "hernandez", "garcia"} <= found
    assert _leaks(f"to={SMS_A.lstrip('+')}") and _leaks(f"chat_id={CHAT_A}") and _leaks(OPERATOR_REPLY.upper())
    assert _leaks('{"event": "inbound.handled", "conversation_id": 4, "channel": "telegram"}') == []


def test_a_database_error_never_carries_the_values(db_url: str) -> None:
    """A unique violation (a traceback in a log) names the statement, never its parameters.

    PostgreSQL's own DETAIL line of a unique violation still quotes the key (docs/operations.md,
    "Data protection": known limit); SQLAlchemy's parameter list, which holds every value, is hidden."""
    from sqlalchemy.exc import IntegrityError

    from db.models import Conversation
    from db.session import make_engine

    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            for _ in range(2):
                conn.execute(Conversation.__table__.insert().values(channel="sms", address=SMS_B, state={}))
    except IntegrityError as exc:
        assert "parameters hidden" in str(exc)
        assert SMS_B not in str(exc).split("[SQL:", 1)[1]
    else:
        raise AssertionError("the second insert should violate the unique (channel, address)")
    finally:
        engine.dispose()
