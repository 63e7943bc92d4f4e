"""The FICTIONAL demo roster (``hotline demo``): 68 invented adult men modelled on SPEC section 1.

Every name, date and source in ``demo_roster.csv`` is invented; see DEMO_ROSTER_README.md and
docs/roster.md (which lists the rows that tests and dialogue demos rely on).

Its deceased rows go through four eyes like any imported death: the import proposes them, and a
second, fictional reviewer of the demo confirms them, so that the demo shows deceased records.
"""

from __future__ import annotations

from importlib import resources

from sqlalchemy.orm import Session, sessionmaker

from bot import status_review
from bot.roster.importer import import_roster
from common.settings import get_settings
from db.repositories import roster_import

DEMO_INCIDENT_NAME = "Incendio en estación migratoria (ficticio)"
DEMO_ACTOR = "import"
# The demo's second person for its deaths (fictional, like everything in the demo).
DEMO_REVIEWER = "demo:segunda-revisora"


def demo_roster_bytes() -> bytes:
    return resources.files("bot.roster").joinpath("demo_roster.csv").read_bytes()


def ensure_demo_roster(session_factory: sessionmaker[Session]) -> int:
    """Load the demo roster into its incident unless that incident already has persons.

    Returns the number of persons loaded (0 when it was already there)."""
    with session_factory() as session:
        incident = roster_import.find_incident(session, DEMO_INCIDENT_NAME)
        loaded = incident is not None and roster_import.has_persons(session, incident.id)
    if loaded:
        return 0
    report = import_roster(session_factory, demo_roster_bytes(), incident_name=DEMO_INCIDENT_NAME,
                           actor=DEMO_ACTOR, filename="demo_roster.csv")
    if not report.ok:  # pragma: no cover - the packaged file is tested
        raise RuntimeError("the demo roster is invalid: " + "; ".join(map(str, report.errors[:3])))
    with session_factory.begin() as session:
        for pending in status_review.list_pending(session):
            if pending.proposer == DEMO_ACTOR:
                status_review.confirm_pending(session, pending.id, get_settings(), actor=DEMO_REVIEWER,
                                              principal=DEMO_REVIEWER)
    return report.created
