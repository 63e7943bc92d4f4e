"""A seeded, FICTIONAL roster with the cases that make a knowledge proof hard (issue 9), and its
import through the real importer (``bot.roster.importer.import_roster``).

Every name is drawn at random from the pools in ``vocab``; dates, places and sources are invented
and every source says "FICTICIO". The list is dated ``LIST_DATE`` (the import runs with that
``now``), so a listed age is carried forward to today by the years since (SPEC 5, "Ages").

What is in it (``Record.kinds`` says why a record is there):
- ``namesake``: two or three records with the same full name and different birth dates;
- ``partial_namesake``: the same given names and first surname, another second surname;
- ``swapped``: "Moreno Sánchez" and "Sánchez Moreno", same given names, two records;
- ``twin``: other-gender twins (Mario / María), same surnames, same birth date;
- ``nickname``: given names relatives write as a nickname (José/Pepe, Jesús/Chuy, Guadalupe/Lupe...);
- ``age_only``: no birth date, an age as listed (about a quarter of all records);
- every status (unconfirmed ones have no source), a few ``restricted`` records; nationalities of
  the model case (GT, HN, SV, VE, CO, EC) and MX.
Every birth date is unique in the roster, also with day and month swapped (twins share theirs),
so that a correct birth date never fits two records by accident.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import status_review
from bot.roster.importer import import_roster
from common.settings import Settings
from db.models import Incident, Person
from tests.adversarial import vocab as V

LIST_DATE = datetime(2023, 3, 28, 20, 0, tzinfo=UTC)
INCIDENT_NAME = "Incendio en estación migratoria, conjunto adversarial (FICTICIO)"
REVIEWER = "adversarial:segunda-revisora"  # the fictional second person who confirms the imported deaths
STATUSES = ("hospitalized", "safe", "transferred", "released", "returned", "deceased", "unconfirmed")
STATUS_WEIGHTS = (28, 18, 8, 5, 5, 18, 13)
STATUS_WORDS = {  # how the list writes them (codes and Spanish words are both accepted: CONTRACT)
    "hospitalized": "hospitalizado", "safe": "a salvo", "transferred": "trasladado", "released": "liberado",
    "returned": "retornado", "deceased": "fallecido", "unconfirmed": "",
}
PLACES = {
    "hospitalized": "Hospital General Ficticio No. {n}, Ciudad Juárez",
    "safe": "Albergue Ficticio {n}, Ciudad Juárez",
    "transferred": "Estación Migratoria Ficticia {n}, Chihuahua",
    "released": "Casa del Migrante Ficticia {n}, Ciudad Juárez",
    "returned": "Punto de Recepción Ficticio {n}, {capital}",
    # Never to be told: if it ever reaches a relative, "Forense" is a death word the harness catches.
    "deceased": "Servicio Médico Forense Ficticio {n}, Ciudad Juárez",
}
SOURCES = {
    "hospitalized": "Hospital General Ficticio No. {n} (FICTICIO), lista de ingresos 28/03 14:00",
    "safe": "INM (FICTICIO), lista de personas ilesas No. {n}, 28/03 12:00",
    "transferred": "INM (FICTICIO), oficio de traslado {n}, 28/03 18:00",
    "released": "INM (FICTICIO), constancia de salida {n}, 28/03 19:00",
    "returned": "Consulado (FICTICIO), acta de recepción {n}, 28/03 20:00",
    "deceased": "Fiscalía General (FICTICIO), lista oficial {n}, 29/03 10:00",
}


@dataclass(frozen=True)
class Record:
    external_id: str
    given: tuple[str, ...]
    surnames: tuple[str, ...]
    female: bool
    nationality: str
    birth_date: date | None  # None: the list gives an age only
    age: int | None  # as listed on LIST_DATE, for records without a birth date
    true_birth_date: date  # what the family knows, whatever the list holds
    status: str
    location: str | None
    source: str | None
    verified_at: datetime | None
    restricted: bool
    kinds: frozenset[str] = field(default_factory=frozenset)

    @property
    def full_name(self) -> str:
        return " ".join((*self.given, *self.surnames))

    @property
    def verified(self) -> bool:
        return self.status != "unconfirmed" and bool(self.source)

    @property
    def disclosable(self) -> bool:
        """Rule 4 of SPEC 5: not restricted, verified, not deceased."""
        return self.verified and not self.restricted and self.status != "deceased"


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.records: list[Record] = []
        self.names: set[tuple[str, ...]] = set()  # folded (given..., surnames...) already used
        self.dates: set[date] = set()  # birth dates used, with their day/month-swapped twins

    # --- pieces ----------------------------------------------------------------------------------
    def nationality(self) -> str:
        codes = list(V.NATIONALITY_WEIGHTS)
        return self.rng.choices(codes, weights=[V.NATIONALITY_WEIGHTS[c] for c in codes])[0]

    def birth_date(self) -> date:
        while True:
            born = date(1964, 1, 1) + timedelta(days=self.rng.randrange(0, 40 * 365))
            swapped = _swap(born)
            if born not in self.dates and (swapped is None or swapped not in self.dates):
                self.dates.add(born)
                if swapped is not None:
                    self.dates.add(swapped)
                return born

    def surnames(self, k: int = 2) -> tuple[str, ...]:
        return tuple(self.rng.sample(V.SURNAMES, k))

    def free_name(self, given: tuple[str, ...], surnames: tuple[str, ...]) -> bool:
        key = tuple(V.fold(w) for w in (*given, *surnames))
        swapped = tuple(V.fold(w) for w in (*given, *reversed(surnames)))
        return key not in self.names and swapped not in self.names

    def add(self, given: tuple[str, ...], surnames: tuple[str, ...], *, kinds: Iterable[str], female: bool = False,
            born: date | None = None, nationality: str | None = None, age_only: bool | None = None) -> Record:
        self.names.add(tuple(V.fold(w) for w in (*given, *surnames)))
        true_born = born or self.birth_date()
        only_age = self.rng.random() < 0.25 if age_only is None else age_only
        record = Record(
            external_id=f"ADV-{len(self.records) + 1:04d}", given=given, surnames=surnames, female=female,
            nationality=nationality or self.nationality(), birth_date=None if only_age else true_born,
            age=_age_on(true_born, LIST_DATE.date()) if only_age else None, true_birth_date=true_born,
            status="unconfirmed", location=None, source=None, verified_at=None, restricted=False,
            kinds=frozenset({*kinds, *(["age_only"] if only_age else [])}),
        )
        self.records.append(record)
        return record

    def male_given(self, two: float = 0.45) -> tuple[str, ...]:
        first = self.rng.choice(V.MALE_GIVEN)
        if self.rng.random() < two:
            second = self.rng.choice([g for g in V.MALE_GIVEN if g != first])
            return (first, second)
        return (first,)

    # --- the hard cases ----------------------------------------------------------------------------
    def namesakes(self, groups: int) -> None:
        for _ in range(groups):
            given, surnames = self.fresh(self.male_given(two=0.6))
            nat = self.nationality()
            for i in range(self.rng.choice((2, 2, 3))):
                self.add(given, surnames, kinds=["namesake"], nationality=nat if i == 0 or self.rng.random() < 0.6 else None)

    def partial_namesakes(self, groups: int) -> None:
        for _ in range(groups):
            given, surnames = self.fresh(self.male_given(two=0.6))
            self.add(given, surnames, kinds=["partial_namesake"])
            other = surnames[0], self.rng.choice([s for s in V.SURNAMES if s not in surnames])
            if self.free_name(given, other):
                self.add(given, other, kinds=["partial_namesake"])

    def swapped(self, pairs: int) -> None:
        for _ in range(pairs):
            given, surnames = self.fresh(self.male_given(two=0.3))
            self.add(given, surnames, kinds=["swapped"])
            self.add(given, tuple(reversed(surnames)), kinds=["swapped"])

    def twins(self) -> None:
        for male, female in V.TWIN_NAMES:
            surnames = self.fresh((male,))[1]
            born, nat = self.birth_date(), self.nationality()
            only_age = self.rng.random() < 0.3
            self.add((male,), surnames, kinds=["twin"], born=born, nationality=nat, age_only=only_age)
            self.add((female,), surnames, kinds=["twin"], female=True, born=born, nationality=nat, age_only=only_age)

    def nicknames(self, per_name: int) -> None:
        for canonical in V.NICKNAMES:
            for _ in range(per_name):
                female = canonical == "Guadalupe" and self.rng.random() < 0.5
                if canonical == "Guadalupe" and not female:
                    given: tuple[str, ...] = ("José", "Guadalupe")  # Lupe as a man's second given name
                elif female or self.rng.random() < 0.5:
                    given = (canonical,)
                else:
                    given = (canonical, self.rng.choice(V.MALE_GIVEN))
                given, surnames = self.fresh(given)
                self.add(given, surnames, kinds=["nickname"], female=female)

    def fill(self, size: int) -> None:
        while len(self.records) < size:
            given, surnames = self.fresh(self.male_given())
            self.add(given, surnames, kinds=["plain"])

    def fresh(self, given: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        while True:
            surnames = self.surnames()
            if self.free_name(given, surnames):
                return given, surnames

    # --- statuses ----------------------------------------------------------------------------------
    def statuses(self) -> None:
        for i, record in enumerate(self.records):
            status = self.rng.choices(STATUSES, weights=STATUS_WEIGHTS)[0]
            n = i + 1
            if status == "unconfirmed":
                continue  # no status, no place, no source: "sin confirmar"
            capital = V.COUNTRIES[record.nationality].capital
            restricted = status != "deceased" and self.rng.random() < 0.06
            minutes = self.rng.randrange(0, 600)
            self.records[i] = replace(
                record, status=status, location=PLACES[status].format(n=n, capital=capital),
                source=SOURCES[status].format(n=n), restricted=restricted,
                verified_at=datetime(2023, 3, 28, 8, 0, tzinfo=UTC) + timedelta(minutes=minutes),
            )


def _swap(day: date) -> date | None:
    try:
        swapped = date(day.year, day.day, day.month)
    except ValueError:
        return None
    return None if swapped == day else swapped


def generate_roster(seed: int = 9, size: int = 240) -> list[Record]:
    """The FICTIONAL roster, the same for the same seed and size."""
    builder = _Builder(random.Random(seed))
    builder.namesakes(12)
    builder.partial_namesakes(8)
    builder.swapped(10)
    builder.twins()
    builder.nicknames(3)
    builder.fill(size)
    builder.statuses()
    return builder.records


def roster_csv(records: list[Record]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["external_id", "given_names", "surnames", "nationality", "birth_date", "age", "status",
                     "location", "source", "verified_at", "restricted"])
    for r in records:
        writer.writerow([
            r.external_id, " ".join(r.given), " ".join(r.surnames), r.nationality,
            r.birth_date.isoformat() if r.birth_date else "", r.age if r.age is not None else "",
            STATUS_WORDS[r.status], r.location or "", r.source or "",
            r.verified_at.isoformat() if r.verified_at else "", "1" if r.restricted else "",
        ])
    return out.getvalue().encode("utf-8")


def import_fictional_roster(factory: sessionmaker[Session], records: list[Record], settings: Settings) -> dict[str, int]:
    """Import through the real importer, dated LIST_DATE, and have a second (fictional) person
    confirm the deaths the import proposes (four eyes, bot.status_review); returns external id ->
    person id."""
    report = import_roster(factory, roster_csv(records), incident_name=INCIDENT_NAME, now=LIST_DATE,
                           filename="adversarial_roster.csv", settings=settings)
    if not report.ok:
        raise AssertionError("the fictional roster did not import: " + "; ".join(map(str, report.errors[:5])))
    with factory.begin() as session:
        for pending in status_review.list_pending(session):
            status_review.confirm_pending(session, pending.id, settings, actor=REVIEWER, principal=REVIEWER)
    with factory() as session:
        rows = session.execute(select(Person.external_id, Person.id).join(Incident, Incident.id == Person.incident_id)
                               .where(Incident.name == INCIDENT_NAME))
        ids = {str(ext): int(pid) for ext, pid in rows}
    if len(ids) != len(records):
        raise AssertionError(f"imported {len(ids)} persons for {len(records)} rows")
    return ids
