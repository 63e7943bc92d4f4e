"""What a Schemathesis run against this API must know that the document cannot say; used by the
suite (tests/api/test_api_schemathesis.py) and by ``st run`` (``SCHEMATHESIS_HOOKS=tests.api.
schemathesis_hooks``, docs/api.md "Checking the document"). Importing this module registers the
hooks for every schema of the process.

- The run may revoke any token but the one it authenticates with: right before a request leaves
  (whatever phase made it: generated, a boundary value, a link from ``POST /tokens`` or ``GET
  /tokens`` in the stateful phase), ``DELETE /api/v1/tokens/{id}`` of its own id becomes one of
  another token (``protect``; for ``st run``: ``SCHEMATHESIS_OWN_TOKEN_ID`` and
  ``SCHEMATHESIS_OTHER_TOKEN_ID``, which may name no token: a 404).
- A ``verified_at`` in the future is refused (409, which Schemathesis allows for valid input): the
  one rule about the present that no static document can state (it is in the field's description).
  The suite asks 2xx of the main operations, so a valid request with a year from now on gets the
  year 2001 instead (``st run`` without these hooks sees 409s there, not failures).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import schemathesis

TOKEN_PATH = "/api/v1/tokens/{token_id}"
REPORTS_PATH = "/api/v1/persons/{person_id}/status-reports"
_protected: dict[str, int] = {}


def protect(own_id: int, instead: int) -> None:
    """Never revoke token ``own_id``: a request to do so revokes ``instead``."""
    _protected.update(own=own_id, instead=instead)


@schemathesis.hook
def before_call(_: schemathesis.HookContext, case: schemathesis.Case, __: dict[str, Any]) -> None:
    if _protected and case.operation.path == TOKEN_PATH and case.path_parameters \
            and str(case.path_parameters.get("token_id")) == str(_protected["own"]):
        case.path_parameters["token_id"] = _protected["instead"]


@schemathesis.hook
def map_case(_: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    body = case.body
    if case.operation.path == REPORTS_PATH and case.meta is not None and case.meta.generation.mode.is_positive \
            and isinstance(body, dict) and isinstance(body.get("verified_at"), str) \
            and body["verified_at"][:4] >= str(datetime.now(UTC).year):
        body["verified_at"] = "2001" + body["verified_at"][4:]
    return case


if "SCHEMATHESIS_OWN_TOKEN_ID" in os.environ:  # loaded by `st run`
    protect(int(os.environ["SCHEMATHESIS_OWN_TOKEN_ID"]), int(os.environ.get("SCHEMATHESIS_OTHER_TOKEN_ID", "1")))
