"""The answers a reply offers to tap (bot/engine/choices.py), as the outbox rows keep them for the
channel: SÍ / NO and HUMANO to the offer of updates, the "share my number" button when a call-back
number is asked, their removal once answered; Telegram contacts; /start. Against the FICTIONAL demo
roster (docs/roster.md): most in memory (``MemChat``: the engine's choices, rendered as the service
renders them), the end-to-end ones through the real service and database (``Chat``: the outbox
rows, on both databases). Chat ids and numbers are fictional.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import select

from bot import texts_en as EN
from bot import texts_es as T
from bot.conversations import handle_inbound
from bot.engine import effects as fx
from bot.engine.choices import choices_for
from bot.language.commands import Command
from bot.language.parse import parse_message
from bot.messages import CONTACT, CONTACT_OTHER
from db.models import AuditEvent, Case, Conversation, InboundRecord, OutboundMessage
from db.session import session_scope
from tests.dialogue.memory_ports import OpenedCase
from tests.dialogue.support import disclosed

_ids = itertools.count(1)
_chats = itertools.count(700_100_001)

SHOWN_YES_NO = {"expects": "yes_no", "rows": [[{"label": "SÍ"}, {"label": "NO"}], [{"label": "HUMANO"}]]}
SHOWN_PHONE = {"expects": "phone", "rows": [[{"label": "Compartir mi número", "shares_phone": True}],
                                            [{"label": "No, gracias"}]]}
SHOWN_NEXT = {"expects": "next", "rows": [[{"label": "OTRA"}, {"label": "HUMANO"}]]}
SHOWN_HUMAN = {"expects": "human", "rows": [[{"label": "HUMANO"}]]}
TAKEN_AWAY = {"expects": "answered", "rows": []}

DISCLOSABLE = "Jesús Velázquez Yáñez 25/12/1994"  # DEMO-007, safe
DECEASED = "Jhon Fredy Restrepo Cardona 27/11/1991"
NUMBER = "+50254123456"  # fictional


class Chat:
    """A relative on Telegram (no number the team could call), reading what each turn queued."""

    def __init__(self, relative: Any) -> None:
        self.r = relative(channel="telegram", address=str(next(_chats)))

    def say(self, text: str | None, media_kind: str | None = None) -> list[tuple[str, dict | None]]:
        """(text, choices) of each reply the message got, as its outbox rows hold them."""
        with session_scope(self.r.factory) as s:
            result = handle_inbound(s, self.r.settings, channel="telegram", address=self.r.address,
                                    provider_id=f"choices-{next(_ids)}", text=text, media_kind=media_kind)
        with self.r.factory() as s:
            rows = s.scalars(select(OutboundMessage).where(OutboundMessage.id.in_(result.outbox_ids))
                             .order_by(OutboundMessage.id))
            return [(row.text, row.choices) for row in rows]

    def state(self) -> dict[str, Any]:
        with self.r.factory() as s:
            return dict(s.scalars(select(Conversation.state).where(
                Conversation.channel == "telegram", Conversation.address == self.r.address)).one())

    def cases(self) -> list[Case]:
        return list(self.r.cases())


class MemChat:
    """The same relative against the engine in memory: each reply with the choices the service
    would write on its outbox row (bot/engine/choices.py, in the conversation's language)."""

    def __init__(self, mem_relative: Any) -> None:
        self.r = mem_relative(channel="telegram", address=str(next(_chats)))

    def say(self, text: str | None, media_kind: str | None = None) -> list[tuple[str, dict | None]]:
        self.r.say(text, media_kind)
        turn = self.r.turns[-1]
        return [(reply, choices_for(turn.choices[i], turn.t).to_json() if i in turn.choices else None)
                for i, reply in enumerate(turn.replies)]

    def state(self) -> dict[str, Any]:
        return dict(self.r.chat.state)

    def cases(self) -> list[OpenedCase]:
        return self.r.cases()

    def inquired_names(self) -> list[str | None]:
        return [e.details.get("name") for t in self.r.turns for e in t.effects if isinstance(e, fx.RecordInquiry)]


@pytest.mark.parametrize("t", [T, EN], ids=["es", "en"])
def test_every_button_reads_back_as_the_answer_it_stands_for(t: Any) -> None:
    # A tap sends the label as an ordinary message: it must mean what the button says.
    assert parse_message(t.BUTTONS["yes"]).command is Command.YES
    assert parse_message(t.BUTTONS["no"]).command is Command.NO
    assert parse_message(t.BUTTONS["human"]).command is Command.HUMAN
    assert parse_message(t.BUTTONS["other"]).command is Command.NEW_SEARCH
    assert parse_message(t.BUTTONS["no_phone"]).answer == "no"


def test_the_offer_of_updates_shows_si_no_humano_and_the_answer_takes_them_away(relative) -> None:
    chat = Chat(relative)
    assert chat.say(DISCLOSABLE) == [(T.WELCOME, None), (disclosed("DEMO-007"), None),
                                     (T.OFFER_SUBSCRIPTION, SHOWN_YES_NO)]
    assert chat.say("SÍ") == [(T.SUBSCRIBED, TAKEN_AWAY), (T.ANYTHING_ELSE, SHOWN_NEXT)]
    assert chat.say("gracias") == [(T.AFTER_ANSWER, SHOWN_NEXT)]  # offered again: new buttons, same ones
    assert chat.say("OTRA") == [(T.NEW_SEARCH, TAKEN_AWAY)]
    assert "choices" not in chat.state()


def test_buttons_stay_while_their_question_still_waits(mem_relative) -> None:
    chat = MemChat(mem_relative)
    chat.say(DISCLOSABLE)
    assert chat.say("AYUDA") == [(T.HELP, None)]  # the offer still waits: its buttons stay
    assert chat.say("no") == [(T.NOT_SUBSCRIBED, TAKEN_AWAY), (T.ANYTHING_ELSE, SHOWN_NEXT)]


def test_an_english_conversation_gets_english_buttons(mem_relative) -> None:
    chat = MemChat(mem_relative)
    chat.say("Hello, I am looking for Jesus Velazquez Yanez")
    [*_, offer] = chat.say("25/12/1994")
    assert offer == (EN.OFFER_SUBSCRIPTION,
                     {"expects": "yes_no", "rows": [[{"label": "YES"}, {"label": "NO"}], [{"label": "HUMAN"}]]})


def test_opting_out_takes_the_buttons_away(mem_relative) -> None:
    chat = MemChat(mem_relative)
    chat.say(DISCLOSABLE)
    assert chat.say("BAJA") == [(T.OPTED_OUT, TAKEN_AWAY)]


def test_a_death_asks_for_the_number_with_the_share_button_and_keeps_the_own_contact(relative) -> None:
    chat = Chat(relative)
    [*_, ask] = chat.say(DECEASED)
    assert ask == (T.ASK_PHONE, SHOWN_PHONE)
    assert chat.say(NUMBER, media_kind=CONTACT) == [(T.PHONE_NOTED, TAKEN_AWAY)]
    [case] = chat.cases()
    assert (case.reason, case.callback_phone) == ("death_notification", NUMBER)
    with chat.r.factory() as s:
        assert s.scalars(select(AuditEvent.subject_id).where(AuditEvent.action == "callback_phone_given")).all() \
            == [str(case.id)]


def test_someone_elses_contact_is_refused_kindly_and_never_kept(relative) -> None:
    chat = Chat(relative)
    chat.say(DECEASED)
    assert chat.say(None, media_kind=CONTACT_OTHER) == [(f"{T.CONTACT_NOT_OWN} {T.ASK_OWN_PHONE}", SHOWN_PHONE)]
    [case] = chat.cases()
    assert case.callback_phone is None
    with chat.r.factory() as s:  # nothing of that person is recorded either
        last = s.scalars(select(InboundRecord).order_by(InboundRecord.id.desc())).first()
        assert last is not None and (last.media_kind, last.text) == (CONTACT_OTHER, None)
    # A number the relative writes is their own choice, and is taken.
    assert chat.say("+502 5412 3456") == [(T.PHONE_NOTED, TAKEN_AWAY)]
    with chat.r.factory() as s:
        assert s.get(Case, case.id).callback_phone == NUMBER


def test_a_shared_number_phonenumbers_rejects_is_asked_again(mem_relative) -> None:
    chat = MemChat(mem_relative)
    chat.say(DECEASED)
    assert chat.say("+99912", media_kind=CONTACT) == [(T.ASK_PHONE_AGAIN, SHOWN_PHONE)]
    assert chat.cases()[0].callback_phone is None


def test_an_own_contact_nobody_asked_for_is_not_kept(mem_relative) -> None:
    chat = MemChat(mem_relative)
    assert chat.say(NUMBER, media_kind=CONTACT) == [(T.WELCOME, None), (T.CONTACT_NOT_NEEDED, None),
                                                    (T.ASK_NAME, None)]
    chat.say("Jesús Velázquez Yáñez")
    assert chat.say(NUMBER, media_kind=CONTACT) == [(T.CONTACT_NOT_NEEDED, None), (T.ASK_BIRTH, None)]
    assert chat.cases() == []


def test_the_share_label_typed_out_is_never_a_name(mem_relative) -> None:
    chat = MemChat(mem_relative)
    chat.say(DECEASED)
    assert chat.say("Compartir mi número") == [(T.ASK_OWN_PHONE, SHOWN_PHONE)]
    assert chat.inquired_names() == [DECEASED.rsplit(" ", 1)[0]]


def test_asking_for_a_person_offers_a_call_that_may_be_declined(mem_relative) -> None:
    chat = MemChat(mem_relative)
    out = chat.say("HUMANO")
    [case] = chat.cases()
    assert out == [(T.WELCOME, None), (T.render(T.HUMAN_REQUESTED, reference=case.reference), None),
                   (T.ASK_PHONE_OPTIONAL, SHOWN_PHONE)]
    assert chat.say("No, gracias") == [(T.PHONE_NONE, TAKEN_AWAY)]
    assert chat.cases()[0].callback_phone is None
    # Offered once per case.
    assert chat.say("HUMANO") == [(T.render(T.HUMAN_REQUESTED, reference=case.reference), None)]


def test_asking_for_a_person_then_sharing_the_own_contact_keeps_it_on_that_case(mem_relative) -> None:
    chat = MemChat(mem_relative)
    chat.say("quiero hablar con una persona")
    assert chat.say(NUMBER, media_kind=CONTACT) == [(T.PHONE_NOTED, TAKEN_AWAY)]
    [case] = chat.cases()
    assert (case.reason, case.callback_phone) == ("asked_for_person", NUMBER)


def test_after_an_offered_call_anything_else_is_an_ordinary_message(mem_relative) -> None:
    chat = MemChat(mem_relative)
    chat.say("HUMANO")
    # Not a number: the offer lapses without a word about it, and the search goes on.
    assert chat.say("Jesús Velázquez Yáñez") == [(T.ASK_BIRTH, TAKEN_AWAY)]


def test_an_unreadable_voice_note_offers_a_person_with_a_button(mem_relative) -> None:
    chat = MemChat(mem_relative)
    assert chat.say(None, media_kind="voice") == [(T.WELCOME, None), (T.MEDIA_UNREADABLE, SHOWN_HUMAN)]
    assert chat.say("Jesús Velázquez Yáñez") == [(T.ASK_BIRTH, TAKEN_AWAY)]


@pytest.mark.parametrize("command", ["/start", "/start@linea_familiares_fake_bot", "/start JRZ-4F7K"])
def test_start_greets_every_time_and_is_never_a_name(mem_relative, command: str) -> None:
    chat = MemChat(mem_relative)
    assert chat.say(command) == [(T.WELCOME, None), (T.ASK_NAME, None)]
    chat.say("Jesús Velázquez Yáñez")
    assert chat.say(command) == [(T.WELCOME, None), (T.ASK_NAME, None)]  # not the first contact: the same
    state = chat.state()
    assert state["details"] == {} and state["asking"] == "name"
    assert chat.inquired_names() == []
