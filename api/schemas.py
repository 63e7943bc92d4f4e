"""Pydantic models of the JSON API (``/api/v1``): what clients send and what they get back.

Input models reject what the database could not store (over-long strings, NUL bytes, naive
datetimes) so that bad input is a 422 with a reason, never a 500. Output models name every field
explicitly: ``document_number`` and ``notes`` appear only in ``PersonDetailAdmin`` (admin, one record
at a time); list and search responses never carry them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

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


EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)


def to_utc(value: datetime) -> datetime:
    """An aware datetime in UTC; a 422, not a 500, when it cannot be one (year 1 at +14:00 is
    before year 1 in UTC) or is too old to be a verification of this incident."""
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range once converted to UTC") from None
    if value < EARLIEST:
        raise ValueError("too far in the past (before 1900)")
    return value


UtcDatetime = Annotated[AwareDatetime, AfterValidator(to_utc)]


def as_utc(value: datetime) -> datetime:
    """A time in UTC (one without a zone is read as UTC); a 422 when it cannot be one."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range once converted to UTC") from None


# A filter such as ``since``: any time, read as UTC when it has no zone.
AnyUtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


def _strip_or_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


CleanStr = Annotated[str, AfterValidator(reject_control_chars)]


class Page(BaseModel):
    total: int = Field(description="how many match the filters (for a name search: candidates found)")
    limit: int
    offset: int


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
    whatever is current (integrations that are the single source of truth for a person)."""

    model_config = ConfigDict(extra="forbid")

    status: StatusCode
    location: Annotated[CleanStr | None, Field(max_length=300)] = None
    source: Annotated[CleanStr | None, Field(max_length=300)] = None
    verified_by: Annotated[CleanStr | None, Field(max_length=200)] = None
    verified_at: UtcDatetime | None = None
    expected_version: Annotated[int | None, Field(ge=0, le=MAX_ID)] = None

    @model_validator(mode="after")
    def _verified_needs_source(self) -> StatusReportIn:
        self.location = _strip_or_none(self.location)
        self.source = _strip_or_none(self.source)
        self.verified_by = _strip_or_none(self.verified_by)
        if self.status != "unconfirmed" and not self.source:
            raise ValueError("a verified status needs its source")
        if self.verified_at is not None:
            if self.verified_at > datetime.now(UTC) + FUTURE_SKEW:
                raise ValueError("verified_at is in the future")
        return self


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


class CasePage(Page):
    items: list[CaseOut]


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[CleanStr, Field(min_length=1, max_length=REPLY_MAX_CHARS)]

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

    name: Annotated[CleanStr, Field(min_length=1, max_length=100)]
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


# --- four eyes for a death, and case actions (bot/status_review.py, bot/operators.py) --------------


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


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Annotated[CleanStr, Field(min_length=1, max_length=4000)]

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
    explanation: str = Field(description="what happened, or why the policy did not allow it (Spanish)")
    case: CaseOut
