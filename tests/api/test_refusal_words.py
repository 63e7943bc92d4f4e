"""Every coded refusal and link outcome has words in each interface: a code without them would turn a
refusal into a 500 (the console's Spanish, the JSON API's English)."""

from __future__ import annotations

from api.console.cases import LINK_EXPLANATIONS as CONSOLE_LINK
from api.routers.calls import REFUSALS as API_CALLS
from api.routers.cases import LINK_EXPLANATIONS as API_LINK
from api.routers.status_review import REFUSALS as API_STATUS
from bot.cases.calls import REFUSALS_ES, CallRefusal, CallRefused
from bot.cases.linking import LinkOutcome
from bot.status_refusals import SPANISH, OperatorError, StatusRefusal
from common.vocab import CaseReason

POLICY_REASONS = {CaseReason.NO_MATCH, CaseReason.AMBIGUOUS, CaseReason.CONFLICTING_DETAILS, CaseReason.RESTRICTED,
                  CaseReason.ABUSE_LIMIT, CaseReason.DEATH_NOTIFICATION, CaseReason.UNCONFIRMED,
                  CaseReason.NO_PROOF, CaseReason.PROOF_ATTEMPTS}


def test_every_status_refusal_is_worded_in_spanish_and_english() -> None:
    assert set(SPANISH) == set(API_STATUS) == set(StatusRefusal)
    refused = OperatorError(StatusRefusal.CHANGED_SINCE_PROPOSAL, expected=3, actual=4)
    assert "versión 3, ahora 4" in str(refused)  # the roster import's report prints it as is
    assert "version 3, now 4" in refused.words(API_STATUS)


def test_every_call_refusal_is_worded_in_spanish_and_english() -> None:
    assert set(REFUSALS_ES) == set(API_CALLS) == set(CallRefusal)
    refused = CallRefused(CallRefusal.PROVIDER_REFUSED, error=13227, message="Geo {permission} (ficticio)")
    assert str(refused) == "Twilio no aceptó la llamada (error 13227): Geo {permission} (ficticio)"
    assert refused.words(API_CALLS) == "Twilio refused the call (error 13227): Geo {permission} (ficticio)"


def test_every_link_outcome_and_policy_reason_is_worded_in_both_interfaces() -> None:
    assert set(CONSOLE_LINK) == set(API_LINK) == set(LinkOutcome) | POLICY_REASONS
