"""Properties of the whole conversation service under random and adversarial input, against the
FICTIONAL demo roster, through the real service and database (SQLite and PostgreSQL):

- handle_inbound never raises, whatever the relative sends;
- every disclosure it makes is one the policy allows, re-checked independently here from the
  inquiry recorded with it: the person is the only strong match for the stated name, the stated
  details show the relative knows the person (bot.policy.knows_the_person) and contradict nothing,
  and the status is disclosable (verified, never deceased, restricted or unconfirmed);
- no reply ever states or hints at a death.

Example counts are modest so that the file runs in well under a minute per backend.
"""

from __future__ import annotations

import itertools
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot import texts_es as T
from bot.conversations import DbPorts, handle_inbound, render_for_channel
from bot.policy import Stated, conflicts, disclosure_text, knows_the_person
from db.models import AuditEvent, Conversation, Inquiry, Person
from db.session import session_scope
from tests.dialogue.support import DEATH_WORDS, ROWS

_addresses = itertools.count(1)

NAMES = [f"{row['nombres']} {row['apellidos']}" for row in ROWS.values()]
BIRTHS = [row["fecha_nacimiento"] for row in ROWS.values() if row["fecha_nacimiento"]]
ADVERSARIAL = [
    "", " ", "\x00", "\x00\x01\x02\x1b[31m", "'; DROP TABLE persons; --", "\" OR 1=1 --", "Robert'); DELETE FROM cases;--",
    "😀😭🙏🏽" * 50, "\u202e\u200b\ufeff", "𝕵𝖔𝖘𝖊 𝕷𝖚𝖎𝖘", "张伟 王芳", "Иван Петров", "محمد علي", "ⓗⓞⓛⓐ",
    "a" * 10_000, ("Jose Luis " * 1200)[:10_000], "¿" * 3000, "%s%s%n{0}{name}", "${jndi:ldap://x}", "<script>x</script>",
    "CASO ' OR '1'='1", "CASO JRZ-\x00AAA", "BAJA\x00", "humano" * 500, "3/5/96" * 400, "99/99/9999", "00/00/0000",
    "31 de febrero de 1996", "tiene -5 años", "tiene 999999999999999999999 años", "fallecido", "¿está muerto?",
    "¿murió?", "dígame si está vivo o muerto", "Ma'alob k'iin, in k'áat in wojéeltik tu'ux yaan in suku'un",
]
COMMANDS = ["HUMANO", "OTRA", "CASO", "AYUDA", "MENÚ", "sí", "no", "BAJA", "STOP", "hola", "gracias"]

name_text = st.sampled_from(NAMES) | st.sampled_from(NAMES).map(str.upper) | st.sampled_from(NAMES).map(
    lambda n: n.lower().replace("á", "a").replace("é", "e").replace("í", "i").replace("ó", "o").replace("ú", "u"))
date_text = st.sampled_from(BIRTHS) | st.dates(min_value=date(1950, 1, 1), max_value=date(2010, 12, 31)).map(
    lambda d: f"{d.day}/{d.month}/{d.year}")
detail_text = (
    date_text
    | st.integers(min_value=-3, max_value=130).map(lambda n: f"tiene {n} años")
    | st.sampled_from(["guatemalteco", "hondureña", "salvadoreño", "venezolano", "colombiano", "ecuatoriano",
                       "chapín", "catracho", "guanaco", "mexicano"])
)
mixed = st.lists(st.sampled_from(ADVERSARIAL) | name_text | detail_text | st.text(max_size=40), min_size=1,
                 max_size=4).map(" ".join)
message = (
    st.sampled_from(ADVERSARIAL)
    | st.text(max_size=200)
    | st.sampled_from(COMMANDS)
    | name_text
    | detail_text
    | st.tuples(name_text, detail_text, detail_text).map(", ".join)
    | mixed
)
conversation = st.lists(message, min_size=1, max_size=5)
channel = st.sampled_from(["telegram", "sms", "local"])

PROPERTY_SETTINGS = settings(max_examples=40, deadline=None, database=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _check_disclosures(factory, app_settings, conv_id: int) -> int:
    """Re-judge every disclosure of the conversation from what the relative had stated."""
    with factory() as s:
        conv = s.get(Conversation, conv_id)
        events = [e for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "disclosure"))
                  if e.details.get("conversation_id") == conv_id]
        inquiries = list(s.scalars(select(Inquiry).where(Inquiry.conversation_id == conv_id,
                                                         Inquiry.outcome == "disclosed").order_by(Inquiry.id)))
        assert len(events) == len(inquiries)
        ports = DbPorts(s, conv, app_settings)
        for event, inquiry in zip(sorted(events, key=lambda e: e.id), inquiries, strict=True):
            assert event.subject_id == str(inquiry.person_id)
            person = s.get(Person, inquiry.person_id)
            assert person is not None and not person.restricted
            details = inquiry.details
            candidates = ports.find_candidates(details["name"])
            birth = details.get("birth_date")
            stated = Stated(birth_date=date.fromisoformat(birth) if birth else None, age=details.get("age"),
                            nationality=details.get("nationality"))
            strong = [c for c in candidates if c.strong and not conflicts(stated, c, ports.today)]
            assert [c.person_id for c in strong] == [person.id], details
            chosen = strong[0]
            assert knows_the_person(stated, chosen, ports.today), details
            assert not conflicts(stated, chosen, ports.today)
            assert chosen.status in T.STATUS_TEXT and chosen.status not in ("deceased", "unconfirmed")
            assert chosen.source and chosen.source.strip()
            assert event.details["text"] == render_for_channel(conv.channel, disclosure_text(chosen, ports.tz))
        return len(events)


def _no_death_hint(replies: list[str]) -> None:
    for reply in replies:
        low = reply.lower()
        assert not any(w in low for w in DEATH_WORDS), reply


def _converse(factory, app_settings, chan: str, messages: list[str]) -> int:
    address = f"prop-{next(_addresses)}"
    conv_id = None
    for i, text in enumerate(messages):
        media = "voice" if text == "" and i % 2 else None
        with session_scope(factory) as s:
            result = handle_inbound(s, app_settings, channel=chan, address=address, provider_id=f"{address}-{i}",
                                    text=text, media_kind=media)
        conv_id = result.conversation_id
        assert result.replies, text[:80]  # something honest always comes back
        _no_death_hint(result.replies)
        for reply in result.replies:
            assert len(reply) <= 480
    assert conv_id is not None
    return _check_disclosures(factory, app_settings, conv_id)


@PROPERTY_SETTINGS
@given(chan=channel, messages=conversation)
def test_random_conversations_never_crash_leak_or_hint(demo, settings, chan: str, messages: list[str]) -> None:
    _converse(demo, settings, chan, messages)


# Deceased rows of the demo roster with their exact details: the most dangerous inputs, shuffled
# together with noise; they must only ever open urgent cases.
DECEASED = [row for row in ROWS.values() if row["estado"] == "fallecido"]
deceased_messages = st.lists(
    st.sampled_from(DECEASED).map(lambda r: f"{r['nombres']} {r['apellidos']} {r['fecha_nacimiento']}")
    | st.sampled_from(["¿está vivo?", "¿murió?", "sí", "gracias", "HUMANO", "por favor", "OTRA", "CASO"])
    | st.sampled_from(ADVERSARIAL[:12]),
    min_size=1, max_size=5)


@PROPERTY_SETTINGS
@given(chan=channel, messages=deceased_messages)
def test_deceased_records_are_never_told(demo, settings, chan: str, messages: list[str]) -> None:
    assert _converse(demo, settings, chan, messages) == 0


# Exact details of disclosable rows, repeated, corrected and mixed: every disclosure is re-judged.
DISCLOSABLE = [row for row in ROWS.values() if row["estado"] not in ("", "fallecido", "sin confirmar")]
exact = st.sampled_from(DISCLOSABLE).map(
    lambda r: f"{r['nombres']} {r['apellidos']}, {r['fecha_nacimiento'] or 'tiene ' + r['edad'] + ' años'}")
disclosable_messages = st.lists(exact | detail_text | name_text | st.sampled_from(COMMANDS), min_size=1, max_size=6)


@PROPERTY_SETTINGS
@given(chan=channel, messages=disclosable_messages)
def test_every_disclosure_is_allowed_by_the_policy(demo, settings, chan: str, messages: list[str]) -> None:
    _converse(demo, settings, chan, messages)


def test_the_disclosure_check_sees_disclosures(demo, settings) -> None:
    # The checker above is not vacuous: a conversation that must disclose is re-judged and counted.
    assert _converse(demo, settings, "sms", ["Jesús Velázquez Yáñez, 1994-12-25", "sí", "OTRA",
                                            "Ignacio Yáñez Hernández 15/01/1992"]) == 2
