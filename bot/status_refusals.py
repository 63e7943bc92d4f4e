"""Why a status report, or the review of a proposed death, is refused, as codes.

The service (bot/status_review.py) raise ``OperatorError`` with a
``StatusRefusal`` code and the values the words need (``pending_id``, ``expected``, ``actual``).
Each interface says it in its own words, chosen by code: English (``ENGLISH``) for the JSON API
(api/routers/status_review.py, api/routers/persons.py) and the roster import's report (a death not
proposed, bot/roster/problems.py), Spanish (``SPANISH``) for the console, its import page included.
Nothing matches on a message's text to translate it.
"""

from __future__ import annotations

from enum import StrEnum


class StatusRefusal(StrEnum):
    SOURCE_REQUIRED = "source_required"  # a verified status names its source
    DEATH_SOURCE_REQUIRED = "death_source_required"  # a death names who confirmed it, and when
    ALREADY_PENDING = "already_pending"  # params: pending_id (a proposal waits for its second person)
    PROPOSAL_NOT_FOUND = "proposal_not_found"
    ALREADY_CONFIRMED = "already_confirmed"
    ALREADY_REJECTED = "already_rejected"
    SAME_PERSON = "same_person"  # the proposer cannot be the second person
    CHANGED_SINCE_PROPOSAL = "changed_since_proposal"  # params: expected, actual (status versions)
    REJECTION_NOTE_REQUIRED = "rejection_note_required"


# The JSON API's and the roster import report's words (English).
ENGLISH: dict[StatusRefusal, str] = {
    StatusRefusal.SOURCE_REQUIRED: "a verified status needs its source",
    StatusRefusal.DEATH_SOURCE_REQUIRED: "a death needs its source (who confirmed it, and when)",
    StatusRefusal.ALREADY_PENDING: "a proposal for this record is already pending (id {pending_id}): confirm or "
                                   "reject it first",
    StatusRefusal.PROPOSAL_NOT_FOUND: "the proposal does not exist",
    StatusRefusal.ALREADY_CONFIRMED: "the proposal is already confirmed",
    StatusRefusal.ALREADY_REJECTED: "the proposal is already rejected",
    StatusRefusal.SAME_PERSON: "whoever proposed the death cannot confirm it: another person must",
    StatusRefusal.CHANGED_SINCE_PROPOSAL: "the record changed since the proposal (version {expected}, now "
                                          "{actual}): read its history, reject this proposal and, if need be, "
                                          "propose again",
    StatusRefusal.REJECTION_NOTE_REQUIRED: "say why the proposal is rejected",
}


# What operators read on the console's pages.
SPANISH: dict[StatusRefusal, str] = {
    StatusRefusal.SOURCE_REQUIRED: "un estado verificado necesita su fuente",
    StatusRefusal.DEATH_SOURCE_REQUIRED: "un fallecimiento necesita su fuente (quién lo confirmó y cuándo)",
    StatusRefusal.ALREADY_PENDING: "ya hay una propuesta pendiente para este registro (n.º {pending_id}): "
                                   "confírmela o recházela primero",
    StatusRefusal.PROPOSAL_NOT_FOUND: "la propuesta no existe",
    StatusRefusal.ALREADY_CONFIRMED: "la propuesta ya fue confirmada",
    StatusRefusal.ALREADY_REJECTED: "la propuesta ya fue rechazada",
    StatusRefusal.SAME_PERSON: "quien propuso el fallecimiento no puede confirmarlo: debe hacerlo otra persona",
    StatusRefusal.CHANGED_SINCE_PROPOSAL: "el registro cambió desde la propuesta (versión {expected}, ahora "
                                          "{actual}): revise el historial, rechace esta propuesta y, si procede, "
                                          "proponga de nuevo",
    StatusRefusal.REJECTION_NOTE_REQUIRED: "escriba por qué se rechaza la propuesta",
}


class OperatorError(Exception):
    """A status report or review refused; ``code`` says why, ``params`` carry the values the words use.
    ``str()`` is the Spanish sentence (``SPANISH``), for callers that print it as is."""

    def __init__(self, code: StatusRefusal, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(self.words(SPANISH))

    def words(self, catalogue: dict[StatusRefusal, str]) -> str:
        """The refusal in an interface's words: one sentence per code, ``{pending_id}``-style placeholders."""
        return catalogue[self.code].format(**self.params)
