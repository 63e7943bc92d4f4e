"""What a Schemathesis run against this API must know that the document cannot say; used by the
suite (tests/api/test_api_schemathesis.py) and by ``st run`` (``SCHEMATHESIS_HOOKS=tests.api.
schemathesis_hooks``, docs/api.md "Checking the document").

- The run may revoke any token but the one it authenticates with: ``DELETE /api/v1/tokens/{id}``
  of its own id becomes one of another token (``SCHEMATHESIS_OWN_TOKEN_ID`` and
  ``SCHEMATHESIS_OTHER_TOKEN_ID`` for ``st run``; the latter may name no token: a 404).
- A ``verified_at`` in the future is refused (422): the one rule about the present that no static
  document can state (it is in the field's description). Valid reports are verified in the past, so
  a valid request with a future year gets the year 2001 instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import schemathesis

TOKEN_PATH = "/api/v1/tokens/{token_id}"
REPORTS_PATH = "/api/v1/persons/{person_id}/status-reports"
PathParameters = dict[str, Any]


def never_revoke(own_id: int, instead: int) -> Callable[[schemathesis.HookContext, PathParameters], PathParameters]:
    def map_path_parameters(context: schemathesis.HookContext, path_parameters: PathParameters) -> PathParameters:
        if context.operation is not None and context.operation.path == TOKEN_PATH \
                and path_parameters.get("token_id") == own_id:
            path_parameters["token_id"] = instead
        return path_parameters

    return map_path_parameters


def verified_in_the_past(_: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    body = case.body
    if case.operation.path == REPORTS_PATH and case.meta is not None and case.meta.generation.mode.is_positive \
            and isinstance(body, dict) and isinstance(body.get("verified_at"), str) \
            and body["verified_at"][:4] >= str(datetime.now(UTC).year):
        body["verified_at"] = "2001" + body["verified_at"][4:]
    return case


if "SCHEMATHESIS_OWN_TOKEN_ID" in os.environ:  # loaded by `st run`: hooks for every schema
    schemathesis.hook("map_path_parameters")(never_revoke(int(os.environ["SCHEMATHESIS_OWN_TOKEN_ID"]),
                                                          int(os.environ.get("SCHEMATHESIS_OTHER_TOKEN_ID", "1"))))
    schemathesis.hook("map_case")(verified_in_the_past)
