"""Exports for the institutions that trace people: per-nationality CSV for consulates, PFIF 1.4 XML
for tracing services (SPEC section 8). Decisions (docs/operations.md, "Exports"):

- What leaves: the record as the official list has it (external id, names, birth date or age,
  nationality) and its verified status with location, source and time. Never document numbers,
  internal notes, anything about relatives (no conversations, no phone numbers, no chat ids).
- Restricted records are left out unless an admin explicitly asks for them
  (``include_restricted=True``, written in the audit event): the flag means "never disclose", and an
  export is a disclosure to another organisation.
- ``deceased`` is exported (CSV "fallecido", PFIF ``believed_dead``): consulates and tracing
  services are trusted institutional channels whose job includes notifying families and
  repatriation; withholding confirmed deaths (four eyes, bot/status_review.py) from them would
  repeat the silence this product fights. The bot never tells it; an admin choosing a recipient
  must never feed these files to a public site (docs/operations.md).
- Every export is one ``export`` audit event with the parameters and the ids of the persons that
  left, when the caller names an ``actor``.
- PFIF record ids are "domain/unique" under a real domain name (``PFIF_DOMAIN``, else
  ``HOTLINE_PUBLIC_URL``'s host): Person Finder refuses every record of a file whose ids start with
  an IP address or a single label such as localhost, so the export refuses too, naming the setting,
  rather than produce a file nobody can import.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from sqlalchemy.orm import Session

from bot.policy import age_on
from bot.spreadsheet import spreadsheet_cell
from common.settings import Settings, get_settings
from common.text import strip_forbidden
from db.base import utcnow
from db.models import Person, StatusReport
from db.repositories import audit
from db.repositories import exports as repo

PFIF_NS = "http://zesty.ca/pfif/1.4"
HOTLINE_NAME = "Línea de información para familiares"

# The words a consulate reads (CSV) and the first words of a PFIF note's text.
STATUS_ES = {
    "unconfirmed": "sin confirmar",
    "safe": "a salvo",
    "hospitalized": "hospitalizado",
    "transferred": "trasladado",
    "released": "liberado",
    "returned": "retornado a su país",
    "deceased": "fallecido",
}

# PFIF note status. Every verified status but death says the person is alive (hospitalised,
# transferred, released, returned: someone saw them alive). "unconfirmed" means the person is on the
# official list and nothing is verified: PFIF's empty status ("unspecified") says exactly that;
# "information_sought" would claim that the note's author is looking for the person, which we are not.
PFIF_STATUS = {
    "safe": "believed_alive",
    "hospitalized": "believed_alive",
    "transferred": "believed_alive",
    "released": "believed_alive",
    "returned": "believed_alive",
    "deceased": "believed_dead",
    "unconfirmed": None,
}

CSV_COLUMNS = (
    "external_id", "given_names", "surnames", "nationality", "birth_date", "age", "status", "estado",
    "location", "source", "verified_at", "incident",
)


def _age(person: Person, today: date) -> int | None:
    return age_on(person.birth_date, today) if person.birth_date else person.approx_age


def _iso(when: datetime) -> str:
    """PFIF dates: UTC, "yyyy-mm-ddThh:mm:ssZ"."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _audit(session: Session, actor: str | None, fmt: str, params: dict, person_ids: list[int]) -> None:
    if actor is None:
        return
    audit.record(session, actor=actor, action="export", subject_type="person", subject_id=None,
                 details={"format": fmt, **params, "count": len(person_ids), "person_ids": person_ids})


BOM = "\ufeff"


def nationality_csv(
    session: Session,
    nationality: str,
    incident_id: int | None = None,
    *,
    include_restricted: bool = False,
    actor: str | None = None,
) -> str:
    """The persons of one nationality (ISO 3166-1 alpha-2) with their current status, for a consulate."""
    code = nationality.strip().upper()
    rows = repo.persons_with_current_report(session, nationality=code, incident_id=incident_id,
                                            include_restricted=include_restricted)
    incidents = repo.incident_names(session)
    today = utcnow().date()
    out = io.StringIO()
    # Every cell quoted and neutralised (bot/spreadsheet.py): Excel must not run a formula in any
    # locale, whatever separator it splits on.
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS)
    for person, report in rows:
        status = report.status if report else person.current_status
        writer.writerow([spreadsheet_cell(value) for value in (
            person.external_id, person.given_names, person.surnames, person.nationality,
            person.birth_date.isoformat() if person.birth_date else None, _age(person, today), status,
            STATUS_ES.get(status, status), report.location if report else None,
            report.source if report else None, _iso(report.verified_at) if report and report.verified_at else None,
            incidents.get(person.incident_id),
        )])
    _audit(session, actor, "nationality_csv",
           {"nationality": code, "incident_id": incident_id, "include_restricted": include_restricted},
           [p.id for p, _ in rows])
    # A byte-order mark first: Excel in a Spanish locale reads a CSV without one as Windows-1252
    # and shows "QuiÃ±Ã³nez"; with it, UTF-8. Every CSV reader that knows UTF-8 skips it.
    return BOM + out.getvalue()


# --- PFIF 1.4 ---------------------------------------------------------------------------------------


# RFC 1034 section 3.5 as Person Finder's PFIF validator reads it: labels of letters, digits and
# hyphens that start with a letter. At least two labels: a single label (localhost, a container's
# name) is nobody's domain, and an IP address fails the first-letter rule.
_LABEL = r"[A-Za-z](?:[-A-Za-z0-9]{0,61}[A-Za-z0-9])?"
DOMAIN_NAME = re.compile(rf"(?:{_LABEL}\.)+{_LABEL}\.?")


class PfifDomainError(ValueError):
    """No domain name for PFIF record ids; the message names the setting to change."""


def pfif_domain(settings: Settings | None = None) -> str:
    """The domain of the record ids: ``PFIF_DOMAIN`` when set, else ``HOTLINE_PUBLIC_URL``'s host."""
    settings = settings or get_settings()
    if settings.pfif_domain and settings.pfif_domain.strip():
        domain = settings.pfif_domain.strip()
        if not DOMAIN_NAME.fullmatch(domain):
            raise PfifDomainError(f"PFIF_DOMAIN {domain!r} is not a domain name (e.g. hotline.example.org); "
                                  "PFIF record ids must start with one")
        return domain.rstrip(".")
    host = urlsplit(settings.hotline_public_url).hostname or ""
    if not DOMAIN_NAME.fullmatch(host):
        raise PfifDomainError(f"HOTLINE_PUBLIC_URL's host {host!r} is not a domain name, and PFIF record ids must "
                              "start with one: set PFIF_DOMAIN (e.g. PFIF_DOMAIN=hotline.example.org) or a "
                              "public URL under a domain")
    return host.rstrip(".")


def _el(parent: ET.Element, name: str, value: object | None) -> None:
    """Append ``<pfif:name>`` when there is a value (PFIF: omit unknown fields)."""
    if value is None or value == "":
        return
    # XML 1.0 cannot carry control characters or lone surrogates: a record stored before they were
    # refused everywhere must not make the whole document unreadable.
    ET.SubElement(parent, f"{{{PFIF_NS}}}{name}").text = strip_forbidden(str(value))


def _note_text(report: StatusReport) -> str:
    parts = [STATUS_ES.get(report.status, report.status).capitalize() + "."]
    if report.location:
        parts.append(f"Lugar: {report.location}.")
    if report.source and report.source.strip():
        parts.append(f"Fuente de la verificación: {report.source.strip()}.")
    else:
        parts.append("Figura en la lista oficial; no hay información verificada.")
    if report.verified_by:
        parts.append(f"Verificado por: {report.verified_by}.")
    return " ".join(parts)


def pfif_xml(
    session: Session,
    incident_id: int | None = None,
    *,
    domain: str | None = None,
    include_restricted: bool = False,
    since: datetime | None = None,
    actor: str | None = None,
) -> str:
    """Every selected person as a PFIF 1.4 ``person`` with one ``note`` per status report (the whole
    history, oldest first), each note carrying its verification source.

    With ``since`` (incremental exchange): only the persons whose record or status changed at or
    after that moment, each with only the notes written since; a receiver that already holds the
    earlier notes keeps them (note ids do not change). Raises PfifDomainError without a domain."""
    domain = domain or pfif_domain()
    if not DOMAIN_NAME.fullmatch(domain):
        raise PfifDomainError(f"{domain!r} is not a domain name; PFIF record ids must start with one")
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)  # a time without a zone is read as UTC, like every PFIF date
    rows = repo.persons_with_current_report(session, incident_id=incident_id,
                                            include_restricted=include_restricted, changed_since=since)
    history = repo.reports_of_selected(session, incident_id=incident_id, include_restricted=include_restricted,
                                       created_since=since)
    incidents = repo.incident_names(session)
    ET.register_namespace("pfif", PFIF_NS)
    root = ET.Element(f"{{{PFIF_NS}}}pfif")
    for person, _current in rows:
        record_id = f"{domain}/{person.id}"
        el = ET.SubElement(root, f"{{{PFIF_NS}}}person")
        # Element order as in the PFIF 1.4 data model.
        _el(el, "person_record_id", record_id)
        _el(el, "entry_date", _iso(person.created_at))
        _el(el, "author_name", HOTLINE_NAME)
        _el(el, "source_name", f"{HOTLINE_NAME}: {incidents.get(person.incident_id, '')}".rstrip(": "))
        _el(el, "source_date", _iso(person.created_at))
        _el(el, "full_name", person.full_name)
        _el(el, "given_name", person.given_names)
        _el(el, "family_name", person.surnames)
        _el(el, "alternate_names", "\n".join(person.aliases or []) or None)
        # sex: the official lists we import do not carry it; PFIF says omit when unknown.
        _el(el, "date_of_birth", person.birth_date.isoformat() if person.birth_date else None)
        _el(el, "age", person.approx_age if not person.birth_date else None)
        _el(el, "home_country", person.nationality)
        for report in history.get(person.id, []):
            note = ET.SubElement(el, f"{{{PFIF_NS}}}note")
            _el(note, "note_record_id", f"{domain}/note.{report.id}")
            _el(note, "person_record_id", record_id)
            _el(note, "entry_date", _iso(report.created_at))
            _el(note, "author_name", (report.source or "").strip() or f"{HOTLINE_NAME} (lista oficial)")
            _el(note, "source_date", _iso(report.verified_at or report.created_at))
            _el(note, "status", PFIF_STATUS.get(report.status))
            _el(note, "last_known_location", report.location)
            _el(note, "text", _note_text(report))
    params: dict[str, object] = {"incident_id": incident_id, "include_restricted": include_restricted, "domain": domain}
    if since is not None:
        params["since"] = _iso(since)
    _audit(session, actor, "pfif_1.4", params, [p.id for p, _ in rows])
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
