"""Pydantic models of the JSON API (``/api/v1``): what clients send and what they get back.

Input models reject what the database could not store (over-long strings, NUL bytes, naive
datetimes) so that bad input is a 422 with a reason, never a 500. Output models name every field
explicitly: ``document_number`` and ``notes`` appear only in ``PersonDetailAdmin`` (admin, one record
at a time); list and search responses never carry them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from common.text import forbidden_character
from db.models import CASE_PRIORITIES, CASE_STATUSES, STATUSES, TOKEN_ROLES

StatusCode = Literal[STATUSES]  # type: ignore[valid-type]
RoleName = Literal[TOKEN_ROLES]  # type: ignore[valid-type]
CaseStatus = Literal[CASE_STATUSES]  # type: ignore[valid-type]
CasePriority = Literal[CASE_PRIORITIES]  # type: ignore[valid-type]

# Integer columns are 32-bit on PostgreSQL; larger values cannot name a row (and overflow SQLite).
MAX_ID = 2**31 - 1
MAX_LIMIT = 200
REPLY_MAX_CHARS = 1600  # 10 SMS segments of GSM-7; Telegram allows 4096
# Allowed clock skew between an integration and us for ``verified_at``.
FUTURE_SKEW = timedelta(minutes=5)


def reject_control_chars(value: str) -> str:
    """PostgreSQL cannot store NUL, XML cannot carry most control characters or a lone surrogate, and
    no field of ours has a use for any of them (common/text.py)."""
    if found := forbidden_character(value):
        raise ValueError(f"control characters are not allowed (found {found})")
    return value


def _strip_or_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


# The characters ``reject_control_chars`` refuses, as a JSON Schema pattern, so that the OpenAPI
# document says what the API accepts. The same class in Python's ``re``, ECMAScript and Rust regex (the
# engines of clients and test tools); lone surrogates are refused too but cannot be written in a
# pattern those engines share (no generator makes them; the description says so).
_CONTROL = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff"
NO_CONTROL_CHARS = rf"^[^{_CONTROL}]*$"
# ...and a text that must also hold something other than white space (str.isspace's characters).
_SPACE = r"\u0009\u000a\u000d\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = rf"^[^{_CONTROL}]*[^{_CONTROL}{_SPACE}][^{_CONTROL}]*$"


@dataclass(frozen=True)
class JsonPattern:
    """Annotated metadata: add ``pattern`` to a string's JSON Schema only. The check itself stays in a
    validator, whose 422 names the character found (a pattern's message would not)."""

    pattern: str = NO_CONTROL_CHARS

    def __get_pydantic_json_schema__(self, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core)
        schema["pattern"] = self.pattern
        return schema


CleanStr = Annotated[str, AfterValidator(reject_control_chars), JsonPattern()]
# Required text that is not only white space (a note, a reply, a token's name).
TextStr = Annotated[str, AfterValidator(reject_control_chars), JsonPattern(NOT_BLANK)]


# Times: ISO 8601 text of the years 1900 to 2099 as written. Not Unix timestamps, which pydantic would
# also read (a number where the document says a date-time string is a mistake), and no year whose
# conversion to UTC could overflow (year 1 at +14:00). The same rule is the pattern in the document.
ISO_TIME = r"^(19|20)[0-9]{2}-"
_ISO_TIME = re.compile(ISO_TIME)


def _iso_time_text(value: Any) -> Any:
    if isinstance(value, datetime):  # from our own code, not from a request
        return value
    if not isinstance(value, str) or not _ISO_TIME.match(value):
        raise ValueError("must be an ISO 8601 datetime of the years 1900 to 2099, e.g. 2025-03-28T14:00:00Z")
    return value


def to_utc(value: datetime) -> datetime:
    """An aware datetime in UTC (the year as written was checked: 1900 to 2099, so it converts)."""
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, BeforeValidator(_iso_time_text), AfterValidator(to_utc), JsonPattern(ISO_TIME)]


def as_utc(value: datetime) -> datetime:
    """A time in UTC (one without a zone is read as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# A filter such as ``since``: read as UTC when it has no zone.
AnyUtcDatetime = Annotated[datetime, BeforeValidator(_iso_time_text), AfterValidator(as_utc), JsonPattern(ISO_TIME)]


class Page(BaseModel):
    total: int = Field(description="how many match the filters (for a name search: candidates found)")
    limit: int
    offset: int


# --- errors --------------------------------------------------------------------------------------


class FieldError(BaseModel):
    field: str = Field(description='where: "body.source", "query.limit", "path.person_id", "body" (the whole body)')
    reason: str = Field(description="why, in English; the input itself is never echoed (it may hold personal data)")


class ErrorOut(BaseModel):
    """Every error answer of the web process (4xx and 5xx), whatever made it: a route, validation
    (api/app.py), the body limit or routing (Starlette). ``detail`` is always there, and ``code`` on
    every error of the API (api/errors.py)."""

    detail: str = Field(description="what went wrong, in English, for developers")
    code: str | None = Field(default=None, description="what went wrong, as a stable code to branch on and to word "
                             "in the client's own language. Every status has its own (`bad_request` 400, "
                             "`unauthenticated` 401, `forbidden` 403, `not_found` 404, `method_not_allowed` 405, "
                             "`conflict` 409, `too_large` 413, `invalid_input` 422, `rate_limited` 429, "
                             "`internal_error` 500, `unavailable` 503); a route may give a finer one, named in "
                             "its description (`stale_version` 409...)")
    errors: list[FieldError] | None = Field(default=None, description="422 of invalid input: every field and why")
    current_version: int | None = Field(default=None, description="409 of a stale status report: the person's "
                                        "status version now (also in `ETag`)")
    message: str | None = Field(default=None, description="web chat: what the page shows the relative (Spanish)")


_ERROR_DESCRIPTIONS = {
    400: "the body is not JSON (not UTF-8, malformed, or nested thousands deep)",
    401: "no token, or an unknown, revoked or expired one",
    403: "the token's role is too small for this route (`detail` names the role needed); a reporter token "
         "anywhere but adding status reports",
    404: "no such id (`detail` names it)",
    409: "the request does not fit the current state; `detail` says why",
    413: "the body is larger than 1 MiB",
    422: "invalid input: `errors` gives each field and why (an id out of 1..2147483647, a string too long "
         "or holding control characters, a value not in the list...)",
    429: "too many requests from this address: wait `Retry-After` seconds",
}
_WWW_AUTHENTICATE = {"WWW-Authenticate": {"description": "Bearer", "required": True, "schema": {"type": "string"}}}
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "required": True, "schema": {"type": "string"}}}


def error_responses(*codes: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route or router: each status with ``ErrorOut`` and what it means here.
    ``descriptions`` replaces a default by status: ``error_responses(404, 409, e409="already decided")``."""
    responses: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        entry: dict[str, Any] = {"model": ErrorOut,
                                 "description": descriptions.get(f"e{code}", _ERROR_DESCRIPTIONS[code])}
        if code == 401:
            entry["headers"] = _WWW_AUTHENTICATE
        if code == 429:
            entry["headers"] = _RETRY_AFTER
        responses[code] = entry
    return responses


# Any route with a JSON body: it may not parse, be too large, or not validate.
BODY_ERRORS = (400, 413, 422)


# --- persons -------------------------------------------------------------------------------------


class CurrentReport(BaseModel):
    status: str
    location: str | None
    source: str | None
    verified_by: str | None
    verified_at: datetime | None


class PersonOut(BaseModel):
    id: int
    incident_id: int
    external_id: str | None
    given_names: str
    surnames: str
    aliases: list[str]
    nationality: str | None
    birth_date: date | None
    approx_age: int | None
    restricted: bool
    current_status: str | None = Field(description="null for a viewer reading a restricted record")
    status_version: int
    current_report: CurrentReport | None = Field(description="the latest status report; null before any")
    proof_locked: bool = Field(default=False, description="failed proofs from any contacts locked the person "
                               "(SPEC 5 rule 6): the bot tells their status to nobody until an operator clears it")


class PersonDetailAdmin(PersonOut):
    """What an admin token sees on ``GET /persons/{id}``; never in lists, never to the bot."""

    document_number: str | None
    notes: str | None


class PersonCandidateOut(PersonOut):
    score: float = Field(ge=0, le=1)
    strong: bool
    reason: str


class PersonPage(Page):
    items: list[PersonOut]


class PersonSearchPage(Page):
    """A name search: candidates ranked by score, best first."""

    items: list[PersonCandidateOut]


# --- status reports ------------------------------------------------------------------------------


class StatusReportIn(BaseModel):
    """A verified fact about a person. ``expected_version`` (or an ``If-Match`` header) makes the
    write conditional on the version the client read; without either the report is appended to
    whatever is current (integrations that are the single source of truth for a person). Any status
    but ``unconfirmed`` needs a ``source`` that is not blank (the ``anyOf`` below; otherwise a 422)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [
        {"properties": {"status": {"const": "unconfirmed"}}},
        {"properties": {"source": {"type": "string", "pattern": NOT_BLANK}}, "required": ["source"]},
    ]})

    status: StatusCode
    location: Annotated[CleanStr | None, Field(max_length=300)] = None
    source: Annotated[CleanStr | None, Field(max_length=300)] = None
    verified_by: Annotated[CleanStr | None, Field(max_length=200)] = None
    verified_at: Annotated[UtcDatetime | None, Field(
        description="when the source verified it, with a time zone (years 1900 to 2099 as written); not in the "
        "future (5 minutes of clock skew allowed): a later time is a 409 (it conflicts with the server's clock), "
        "the one rule about the present that a document cannot state")] = None
    expected_version: Annotated[int | None, Field(ge=0, le=MAX_ID, description=(
        "the `status_version` the client read: when the record moved on, nothing is written and the answer is "
        "409 (so is a different version in `If-Match`)"))] = None

    @model_validator(mode="after")
    def _verified_needs_source(self) -> StatusReportIn:
        self.location = _strip_or_none(self.location)
        self.source = _strip_or_none(self.source)
        self.verified_by = _strip_or_none(self.verified_by)
        if self.status != "unconfirmed" and not self.source:
            raise ValueError("a verified status needs its source")
        return self

    def verified_in_the_future(self) -> bool:
        """A report cannot be verified later than now: it would stop every later list (an older
        verification is refused) and be read to a relative as a date to come. The one rule about
        the present that no document can state: the route answers it with a 409, which a
        schema-driven client (Schemathesis) accepts for schema-valid input."""
        return self.verified_at is not None and self.verified_at > datetime.now(UTC) + FUTURE_SKEW


class StatusReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    version: int
    status: str
    location: str | None
    source: str | None
    verified_by: str | None
    verified_at: datetime | None
    created_at: datetime
    created_by: str | None


class StatusReportCreated(BaseModel):
    report: StatusReportOut
    status_version: int


class StatusHistory(BaseModel):
    person_id: int
    status_version: int
    items: list[StatusReportOut]


# --- cases ---------------------------------------------------------------------------------------


class WhatsAppWindowOut(BaseModel):
    """WhatsApp's 24-hour window of the case's conversation (docs/channels.md): outside it the
    outbox holds every message, announces them with one neutral template, and sends them when the
    relative writes again."""

    open: bool = Field(description="free text goes out now; false: anything sent is held")
    last_inbound_at: datetime | None = Field(description="when the relative last wrote on WhatsApp")
    closes_at: datetime | None = Field(description="when the window closes, or closed (last_inbound_at + "
                                       "WHATSAPP_WINDOW_HOURS); null when the relative never wrote")
    held: int = Field(ge=0, description="messages held until the relative writes again")
    oldest_held_at: datetime | None = Field(description="when the oldest held message was queued")
    template_configured: bool = Field(description="TWILIO_WHATSAPP_TEMPLATE_SID is set; false: held messages "
                                      "are not announced to the relative")
    template_status: str | None = Field(description="the outbox status of the latest template sent to the "
                                        "relative (queued, sent, delivered, failed, cancelled...)")
    template_at: datetime | None = Field(description="when that template was queued")


class CaseOut(BaseModel):
    id: int
    reference: str = Field(description="the code shown to the relative, e.g. JRZ-4F7K")
    priority: str
    reason: str
    status: str
    channel: str | None
    person_id: int | None
    assignee_id: int | None
    assignee: str | None = Field(description="the assigned operator's username")
    created_at: datetime
    updated_at: datetime
    last_contact_at: datetime | None
    next_followup_at: datetime | None
    resolved_at: datetime | None
    resolution: str | None
    whatsapp: WhatsAppWindowOut | None = Field(default=None, description=(
        "the WhatsApp window of the case's conversation, in GET /api/v1/cases/{case_id} when it is a "
        "WhatsApp conversation; null otherwise (and in lists)"))


class CasePage(Page):
    items: list[CaseOut]


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[TextStr, Field(min_length=1, max_length=REPLY_MAX_CHARS)]

    @model_validator(mode="after")
    def _not_blank(self) -> ReplyIn:
        if not self.text.strip():
            raise ValueError("the reply is empty")
        return self


class ReplyQueued(BaseModel):
    outbound_id: int
    case_id: int
    status: str = Field(description="the outbox status: queued until the worker sends it")


# --- audit ---------------------------------------------------------------------------------------


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    subject_type: str | None
    subject_id: str | None
    details: dict[str, Any]


class AuditPage(Page):
    items: list[AuditEventOut]


# --- tokens --------------------------------------------------------------------------------------


class TokenIn(BaseModel):
    """A new token for the caller's own person (their user, or their integration): through the API
    nobody makes a token for someone else (that is ``hotline tokens create --user``), so one person
    cannot become two for four eyes."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[TextStr, Field(min_length=1, max_length=100)]
    role: RoleName
    expires_days: Annotated[float | None, Field(gt=0, le=3650, description="null: no expiry")] = None


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: str
    prefix: str = Field(description="the first characters of the secret, to recognise it")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    user_id: int | None = Field(description="the console user it belongs to, or null")
    integration: str | None = Field(description="the integration it belongs to, or null")
    expires_at: datetime | None = Field(description="null: no expiry")


class TokenCreated(TokenOut):
    token: str = Field(description="the secret; shown only in this response, stored only hashed")


class TokenList(BaseModel):
    items: list[TokenOut]


# --- four eyes for a death, and case actions (bot/status_review.py, bot/cases/) --------------


class PendingStatusReportOut(BaseModel):
    """A proposed status held until a second person confirms it (only ``deceased`` is held)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    status: str
    location: str | None
    source: str | None
    verified_by: str | None
    verified_at: datetime | None
    expected_version: int | None = Field(description="the status version the proposer saw")
    proposed_by: str
    created_at: datetime
    decision: str | None = Field(description="null while pending; confirmed or rejected")
    decided_by: str | None
    decided_at: datetime | None
    note: str | None
    status_report_id: int | None = Field(description="the report written when confirmed")


class PendingList(BaseModel):
    items: list[PendingStatusReportOut]


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: Annotated[int, Field(ge=1, le=MAX_ID, description="the colleague: an active operator or admin")]


class TakeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    take_over: bool = Field(False, description=(
        "take the case from the colleague who holds it (audited as `case_taken_over`; they are told); "
        "without it, a case someone else holds is a 409 naming them"))


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Annotated[TextStr, Field(min_length=1, max_length=4000)]

    @model_validator(mode="after")
    def _not_blank(self) -> NoteIn:
        if not self.note.strip():
            raise ValueError("the note is empty")
        return self


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: Annotated[int, Field(ge=1, le=MAX_ID)]


class LinkOut(BaseModel):
    disclosed: bool = Field(description="whether the policy let the bot tell the relative")
    code: str = Field(description="what happened, as a stable code: `disclosed`, `no_conversation`, `opted_out`, "
                      "`voice_line`, or the case reason the policy gave (`no_match`, `ambiguous`, "
                      "`conflicting_details`, `restricted`, `abuse_limit`, `death_notification`...)")
    explanation: str = Field(description="what happened, or why the policy did not allow it (English)")
    case: CaseOut
