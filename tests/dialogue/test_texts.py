"""Every sentence of bot/texts_es.py, filled with the longest realistic values, and every reply turn
the engine actually sends on SMS: within 3 SMS segments once folded to GSM-7 (SPEC 4), at most 480
characters, and in the calm, formal "usted" register (no "tú" forms, no exclamation marks).

All values are FICTIONAL (the demo roster and invented long names and places)."""

from __future__ import annotations

import re
import string
from datetime import UTC, date, datetime
from types import ModuleType
from zoneinfo import ZoneInfo

import pytest

from bot import texts_en as EN
from bot import texts_es as T
from bot.policy import Candidate, disclosure_text
from bot.sms import is_gsm7, segments, to_gsm7
from tests.dialogue.support import ROWS, disclosed, status

LONGEST_NAME = "María de los Ángeles Guadalupe del Carmen Hernández de la Cruz"[:60]
LONGEST_LOCATION = "Hospital General Regional de Especialidades No. 66 (IMSS), Ciudad Juárez, Chihuahua"[:80]
LONGEST_SOURCE = ("Hospital General Regional de Especialidades No. 66 (IMSS) (FICTICIO), parte médico de ingresos "
                  "y egresos del 30/09 a las 23:59 h")[:120]
LONGEST_DATE = "30 de septiembre de 2023, 23:59"
REFERENCE = "JRZ-4F7K"
LONGEST_STATUS = max(T.STATUS_TEXT.values(), key=len)
VALUES = {
    "name": LONGEST_NAME, "location": LONGEST_LOCATION, "source": LONGEST_SOURCE, "verified_on": LONGEST_DATE,
    "reference": REFERENCE, "status_text": LONGEST_STATUS,
    # Two persons in one message: names as the relative wrote them (the engine cuts each to 60).
    "first": LONGEST_NAME, "rest": f"{LONGEST_NAME}, {LONGEST_NAME}",
}
assert len(LONGEST_NAME) == 60 and len(LONGEST_LOCATION) == 80 and len(LONGEST_SOURCE) == 120


def _catalogue(module: ModuleType = T) -> dict[str, str]:
    """Every str constant of the catalogue and every entry of its dicts, by name."""
    texts = {}
    for key, value in vars(module).items():
        if key.isupper() and isinstance(value, str):
            texts[key] = value
        elif key.isupper() and isinstance(value, dict):
            texts.update({f"{key}[{k}]": v for k, v in value.items()})
    return texts


def _filled(template: str) -> str:
    fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    assert fields <= set(VALUES), f"unknown placeholder(s) {fields - set(VALUES)}"
    return template.format(**{f: VALUES[f] for f in fields})


CATALOGUE = _catalogue()
EN_CATALOGUE = _catalogue(EN)
# What is actually sent as one message: the catalogue's texts, and the composed ones.
SENT = {
    **{k: _filled(v) for k, v in CATALOGUE.items()},
    "STATUS_UPDATE_INTRO+DISCLOSURE": T.STATUS_UPDATE_INTRO + _filled(T.DISCLOSURE),
    # The longest question: a greeting answered and distress acknowledged before it.
    **{f"COURTESY+{q}": f"{T.GREETING_REPLY} {T.ACK_DISTRESS} {getattr(T, q)}"
       for q in ("ASK_NAME", "ASK_BIRTH", "ASK_BIRTH_FULL", "ASK_BIRTH_AGAIN", "ASK_NATIONALITY_AGAIN")},
    **{f"DISCLOSURE[{code}]": _filled(T.DISCLOSURE.replace("{status_text}", text))
       for code, text in T.STATUS_TEXT.items()},
    # The English catalogue (SPEC 4) keeps the same limits.
    **{f"EN.{k}": _filled(v) for k, v in EN_CATALOGUE.items()},
    **{f"EN.COURTESY+{q}": f"{EN.GREETING_REPLY} {EN.ACK_DISTRESS} {getattr(EN, q)}"
       for q in ("ASK_NAME", "ASK_BIRTH", "ASK_BIRTH_FULL", "ASK_BIRTH_AGAIN", "ASK_NATIONALITY_AGAIN")},
    **{f"EN.DISCLOSURE[{code}]": _filled(EN.DISCLOSURE.replace("{status_text}", text))
       for code, text in EN.STATUS_TEXT.items()},
}


def test_the_catalogue_was_read() -> None:
    for expected in ("WELCOME", "DISCLOSURE", "ESCALATED", "TEAM_WILL_CALL", "HELP", "CASE_STATUS[open]",
                     "STATUS_TEXT[hospitalized]", "FOLLOWUP", "OTHER_LANGUAGE"):
        assert expected in SENT
    assert len(CATALOGUE) >= 35


@pytest.mark.parametrize("key", sorted(SENT))
def test_every_text_fits_three_sms_segments_in_gsm7(key: str) -> None:
    sms = to_gsm7(SENT[key])
    assert is_gsm7(sms), key
    assert segments(sms) <= 3, (key, len(sms))


@pytest.mark.parametrize("key", sorted(SENT))
def test_every_text_is_at_most_480_characters(key: str) -> None:
    assert len(SENT[key]) <= 480, (key, len(SENT[key]))


INFORMAL = re.compile(
    r"\b(tú|tu|tienes|puedes|quieres|sabes|necesitas|escribe|envía|envia|manda|dime|oye|te|ti|contigo|"
    r"tuyo|tuya|estás|eres)\b", re.IGNORECASE)


# Button labels (BUTTONS) are the command words themselves (SÍ, HUMANO), not sentences; they are
# read back as their answers in tests/dialogue/test_choices.py.
@pytest.mark.parametrize("key", sorted(k for k in CATALOGUE if not k.startswith("BUTTONS[")))
def test_every_text_uses_usted_and_does_not_shout(key: str) -> None:
    text = CATALOGUE[key].split(" / ")[0]  # OTHER_LANGUAGE ends with an English sentence
    assert not INFORMAL.search(text), (key, INFORMAL.search(text))
    assert "!" not in text and "¡" not in text, key
    letters = [c for c in text if c.isalpha()]
    assert sum(c.isupper() for c in letters) <= len(letters) // 3, key  # command words only, no shouting


def test_the_sms_folding_keeps_the_spanish_readable() -> None:
    sms = to_gsm7("¿Cuál es su fecha de nacimiento? Información, atención, Ángeles, Yáñez, Núñez")
    assert sms == "¿Cual es su fecha de nacimiento? Informacion, atencion, Angeles, Yañez, Nuñez"


@pytest.mark.parametrize("row", sorted(r for r in ROWS if status(r) in T.STATUS_TEXT))
def test_every_demo_disclosure_fits_as_sms_and_as_status_update(row: str) -> None:
    for text in (disclosed(row), T.STATUS_UPDATE_INTRO + disclosed(row)):
        assert segments(to_gsm7(text)) <= 3, (row, len(text))


def test_disclosure_text_with_longest_values_through_the_policy_renderer() -> None:
    candidate = Candidate(
        person_id=1, name=LONGEST_NAME, score=1.0, strong=True, nationality="GT", birth_date=date(1990, 1, 1),
        approx_age=None, restricted=False, status="hospitalized", location=LONGEST_LOCATION, source=LONGEST_SOURCE,
        verified_at=datetime(2023, 10, 1, 5, 59, tzinfo=UTC),  # 30 September 23:59 in Ciudad Juárez
    )
    text = disclosure_text(candidate, ZoneInfo("America/Ciudad_Juarez"))
    assert LONGEST_DATE in text
    assert segments(to_gsm7(text)) <= 3
    assert segments(to_gsm7(T.STATUS_UPDATE_INTRO + text)) <= 3


# Each reply the engine sends on SMS is its own SMS: every turn of these conversations is checked.
SMS_CONVERSATIONS = [
    ["hola", "Busco a mi hermano", "Juan Carlos Pérez Ramírez", "hondureño", "3 de mayo de 1990", "sí", "OTRA",
     "Mario Alberto Cifuentes Barrios 07/03/1995", "no", "AYUDA", "CASO", "HUMANO", "BAJA", "hola"],
    ["Yorman José Rondón Briceño, venezolano, 02/07/1994", "tal vez", "no", "OTRA", "asdf", "no sé", "no sé",
     "Francisco Javier del Valle Orellana 12/06/1985", "¿está bien?"],
    ["Hello, I need help", "José Luis Hernández", "no sé", "no recuerdo", "guatemalteco de 30 años", "si",
     "caso JRZ-0000", "Mynor Estuardo Batz Sacalxot", "03/11/1990"],
    [None, "Klever Patricio Guamán Tenesaca 22/04/1990", "no, es Wilson Geovanny, no Klever Patricio", "sí",
     "STOP"],
]


@pytest.mark.parametrize("messages", SMS_CONVERSATIONS, ids=["homonyms", "failures", "english", "correction"])
def test_every_sms_reply_turn_fits_three_segments(mem_relative, messages: list[str | None]) -> None:
    r = mem_relative(channel="sms", address=f"+5025555{len(messages):04d}")
    for text in messages:
        r.say(text, media_kind="photo" if text is None else None)
    replies = [reply for _, out in r.transcript for reply in out]
    assert len(replies) >= len(messages)
    for reply in replies:
        assert is_gsm7(reply) and segments(reply) <= 3, reply
        assert len(reply) <= 480
