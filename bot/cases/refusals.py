"""Why an action on a case is refused, as codes.

The services (bot/cases/opening.py, bot/cases/work.py, bot/cases/linking.py) raise ``CaseRefused`` with a
``CaseRefusal`` code and the values the words need (``holder``, ``colleague``). Each interface says
it in its own words: the console in Spanish (api/console/cases.py), the JSON API in English
(api/routers/cases.py). Nothing matches on a message's text to translate it.
"""

from __future__ import annotations

from enum import StrEnum


class CaseRefusal(StrEnum):
    CLOSED = "closed"  # the case is resolved: reopen it first
    ALREADY_CLOSED = "already_closed"  # resolving a resolved case
    NOT_CLOSED = "not_closed"  # reopening a case that is not resolved
    NO_CONVERSATION = "no_conversation"  # nobody to write to
    OPTED_OUT = "opted_out"  # the relative asked for no messages (BAJA/STOP)
    VOICE_LINE = "voice_line"  # the relative called: a call cannot carry a written reply
    DEATH_NOT_NOTIFIED = "death_not_notified"  # a death is told by phone first, and recorded
    DEATH_ALREADY_NOTIFIED = "death_already_notified"
    DEATH_NOTE_REQUIRED = "death_note_required"  # who called, whom, what was said
    RESOLUTION_NOTE_REQUIRED = "resolution_note_required"
    REOPEN_REASON_REQUIRED = "reopen_reason_required"
    HELD_BY_OTHER = "held_by_other"  # params: holder
    ALREADY_ASSIGNED = "already_assigned"  # params: colleague
    NOT_ASSIGNABLE = "not_assignable"  # only an active operator or admin holds a case


class CaseRefused(Exception):
    """An action on a case refused; ``code`` says why, ``params`` carry the names the words use."""

    def __init__(self, code: CaseRefusal, **params: str) -> None:
        super().__init__(code.value)
        self.code = code
        self.params = params

    def words(self, catalogue: dict[CaseRefusal, str], overrides: dict[CaseRefusal, str] | None = None) -> str:
        """The refusal in an interface's words: ``catalogue`` (one sentence per code, ``{holder}``-style
        placeholders), ``overrides`` for what one action says differently."""
        template = (overrides or {}).get(self.code) or catalogue[self.code]
        return template.format(**self.params)


class ReplyRefused(CaseRefused):
    """The relative of a case cannot be written to from it."""
