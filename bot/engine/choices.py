"""What a reply asks for when the answer can be tapped, as plain data (SPEC 6: reply keyboards).

The dialogue decides what it asks; a channel that has buttons shows them (Telegram: a reply
keyboard, bot/channels/telegram_channel.py), the others send the text alone. The choices travel
with the reply through the outbox row (``outbound_messages.choices``, JSON) so that any worker,
later, sends exactly what the turn decided, like the text itself.

Every label is a word the dialogue already understands when typed (SÍ, NO, HUMANO, OTRA...): a tap
sends the label as an ordinary message, so a relative who types instead loses nothing. The labels
live in each catalogue (``BUTTONS`` in bot/texts_es.py and bot/texts_en.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import ModuleType
from typing import Any


class Expects(StrEnum):
    YES_NO = "yes_no"  # SÍ / NO to the offer of updates, and HUMANO
    PHONE = "phone"  # a number to call back: the channel's own "share my number" button, or NO
    HUMAN = "human"  # the offer of a person (after failed answers, an unreadable voice note)
    NEXT = "next"  # after an answer: another search (OTRA) or a person (HUMANO)
    ANSWERED = "answered"  # the question shown with buttons was answered: take the buttons away


@dataclass(frozen=True)
class Button:
    label: str
    shares_phone: bool = False  # sends the relative's own number (Telegram: request_contact)


@dataclass(frozen=True)
class Choices:
    expects: Expects
    rows: tuple[tuple[Button, ...], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"expects": self.expects.value,
                "rows": [[{"label": b.label, **({"shares_phone": True} if b.shares_phone else {})} for b in row]
                         for row in self.rows]}

    @classmethod
    def from_json(cls, data: Any) -> Choices | None:
        """The choices stored with an outbox row; None for a row without any, or one this code
        cannot read (the text still goes out: buttons are a convenience, never the message)."""
        if not isinstance(data, dict):
            return None
        try:
            expects = Expects(str(data.get("expects")))
            rows = tuple(tuple(Button(str(b["label"]), bool(b.get("shares_phone", False))) for b in row)
                         for row in data.get("rows") or ())
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        return cls(expects, rows)


def choices_for(expects: Expects, t: ModuleType) -> Choices:
    """The buttons of ``expects`` in the catalogue ``t``'s language."""
    b = t.BUTTONS
    rows: tuple[tuple[Button, ...], ...] = {
        Expects.YES_NO: ((Button(b["yes"]), Button(b["no"])), (Button(b["human"]),)),
        Expects.PHONE: ((Button(b["share_phone"], shares_phone=True),), (Button(b["no_phone"]),)),
        Expects.HUMAN: ((Button(b["human"]),),),
        Expects.NEXT: ((Button(b["other"]), Button(b["human"])),),
        Expects.ANSWERED: (),
    }[expects]
    return Choices(expects, rows)
