"""What the conversation tests expect, derived from the FICTIONAL demo roster itself
(bot/roster/demo_roster.csv; every name, date and source in it is invented).

``disclosed(external_id)`` is the exact text the bot must send for a row, built here from the CSV
and the catalogue (not by calling the engine), so a wrong name, status, place, time or source in a
reply fails the test.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot import texts_es as T
from bot.policy import age_on
from bot.roster.demo import demo_roster_bytes

TZ = ZoneInfo("America/Ciudad_Juarez")
STATUS_CODES = {
    "hospitalizado": "hospitalized", "a salvo": "safe", "trasladado": "transferred", "liberado": "released",
    "retornado": "returned", "fallecido": "deceased", "sin confirmar": "unconfirmed", "": "unconfirmed",
}
MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
          "noviembre", "diciembre")
# No reply may state or hint at a death, whatever the input (SPEC 5).
DEATH_WORDS = ("fallec", "muert", "murió", "murio", "sin vida", "lament", "defunc", "forense", "cadáver",
               "cadaver", "pésame", "pesame", "descanse")

ROWS = {row["id"]: row for row in csv.DictReader(io.StringIO(demo_roster_bytes().decode("utf-8")))}


def today() -> date:
    """Today on the hotline's clock, as the service computes it."""
    return datetime.now(TZ).date()


def age(external_id: str) -> int:
    """The current age of a demo row (from its birth date, or its recorded age)."""
    row = ROWS[external_id]
    if row["edad"]:
        return int(row["edad"])
    born = row["fecha_nacimiento"]
    born_date = date.fromisoformat(born) if "-" in born else datetime.strptime(born, "%d/%m/%Y").date()
    return age_on(born_date, today())


def status(external_id: str) -> str:
    return STATUS_CODES[ROWS[external_id]["estado"]]


def disclosed(external_id: str) -> str:
    """The exact disclosure text for a demo row (local channel, accents kept)."""
    row = ROWS[external_id]
    code = status(external_id)
    assert code in T.STATUS_TEXT, f"{external_id} is never disclosed ({code})"
    when = datetime.fromisoformat(row["verificado_en"]).astimezone(TZ)
    verified_on = f"{when.day} de {MONTHS[when.month - 1]} de {when.year}, {when:%H:%M}"
    return T.render(T.DISCLOSURE, name=f"{row['nombres']} {row['apellidos']}", status_text=T.STATUS_TEXT[code],
                    location=row["ubicacion"], verified_on=verified_on, source=row["fuente"])


def escalated(reference: str) -> list[str]:
    """The replies to a no-match / unconfirmed / conflicting / restricted / limit case: the same words."""
    return [T.render(T.ESCALATED, reference=reference), T.OFFER_SUBSCRIPTION]


def team_will_call(reference: str, *, ask_phone: bool = True) -> list[str]:
    """What the bot says for a deceased record: only that a person will call; on a channel without
    a number (the local chat of these tests, Telegram) it then asks for one (SPEC 5)."""
    return [T.render(T.TEAM_WILL_CALL, reference=reference), *([T.ASK_PHONE] if ask_phone else [])]


def no_death_hint(replies: list[str] | str) -> None:
    for reply in [replies] if isinstance(replies, str) else replies:
        low = reply.lower()
        assert not any(w in low for w in DEATH_WORDS), reply
