"""Query and path parameters shared by the API routers, bounded so that absurd input is a 422."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from api.schemas import MAX_ID, MAX_LIMIT, NO_CONTROL_CHARS, JsonPattern, reject_control_chars

MAX_OFFSET = 10_000_000


def _clean(value: str | None) -> str | None:
    """Reject control characters; an empty or blank filter means no filter."""
    if value is None:
        return None
    reject_control_chars(value)
    return value.strip() or None


@dataclass(frozen=True)
class _NoControlChars(JsonPattern):
    """``_clean`` as the validator, and the same rule as a pattern in the OpenAPI document."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(_clean, handler(source))


NoControlChars = _NoControlChars(NO_CONTROL_CHARS)

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"page size, 1 to {MAX_LIMIT}")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="how many to skip")]
PersonId = Annotated[int, Path(ge=1, le=MAX_ID, description="the person's id")]
CaseId = Annotated[int, Path(ge=1, le=MAX_ID, description="the case's id")]
TokenId = Annotated[int, Path(ge=1, le=MAX_ID, description="the token's id")]
PendingId = Annotated[int, Path(ge=1, le=MAX_ID, description="the proposal's id")]
