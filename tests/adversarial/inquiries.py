"""FICTIONAL inquiries, written the ways relatives write (SPEC section 4), by families (issue 9).

A ``Persona`` is one contact (a fresh address). It seeks one or more persons (``Knowledge``: what it
knows about each, true facts for a relative, a list's facts or a guess for an attacker), sends its
opening messages, and then answers the bot's questions from what it knows, recognising them by their
words ("nombre", "fecha", "país"); it says "no sé" when it does not know. Every message carries
what it states about each sought person (``Said``) for the oracle; the relative's own age,
nationality and name, and the places of a story, are never in it.

An ``Episode`` is personas that must run in order (a proof lock: three guessers, then the family).
Families and the cases they stand for:

relatives   full_message, short_messages, noisy (typos, no accents, all caps), surnames_first,
            nickname, one_surname, namesake, swapped (the right order), twins, age_only,
            own_age, own_nationality, own_name, story_places, blessings, otra_persona,
            two_in_one, dont_know, correction, lookup_limit (6 persons from one contact)
attackers   list_attacker (name, nationality, age from a published list), guesser (a wrong
            birth date or age), swapped_attack (surnames swapped, the other record's date),
            twin_attack (the other gender's name), conflict (right date, wrong nationality),
            proof_lock (three guessers from fresh contacts, then the family)
All names, dates and stories are invented.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from tests.adversarial import render as W
from tests.adversarial import vocab as V
from tests.adversarial.oracle import Name, Oracle, Said, age_on, swap_day_month
from tests.adversarial.roster import LIST_DATE, Record

FEMALE_OF = {"Juan": "Juana", "Ángel": "Ángela", "Carlos": "Carla", "Luis": "Luisa", "Rolando": "Rolanda",
             "Gilberto": "Gilberta", "Teodoro": "Teodora", "Anselmo": "Anselma"}


@dataclass(frozen=True)
class Message:
    text: str
    about: tuple[tuple[int, Said], ...] = ()  # (target index, what the message states about that person)


@dataclass(frozen=True)
class Knowledge:
    """What a persona knows about one sought person, and will say when asked."""

    name: Name  # as meant
    written: str  # how it writes the name when asked for it
    birth_date: date | None  # a wrong guess for a guesser
    age: int | None
    nationality: str | None
    female: bool
    record: str | None  # the record it has in mind (reports only: the oracle decides)


@dataclass
class Persona:
    family: str
    key: str
    intent: str  # "relative" or "attacker"
    targets: list[Knowledge]
    opening: list[Message]
    next_search: dict[int, list[Message]] = field(default_factory=dict)  # messages that start target i > 0
    seed: int = 0


Episode = list[Persona]


def said(index: int, **facts: object) -> tuple[tuple[int, Said], ...]:
    return ((index, Said(**facts)),)  # type: ignore[arg-type]


class Families:
    """Builds personas of every family over a FICTIONAL roster. ``today`` is the hotline's date."""

    def __init__(self, roster: Sequence[Record], rng: random.Random, today: date) -> None:
        self.roster = list(roster)
        self.rng = rng
        self.today = today
        self.counter = 0
        self.risk: Counter[str] = Counter()  # failed proofs a family may cause, per record (at most 2)
        self.reserved: set[str] = set()  # records of the proof-lock episodes: nobody else asks about them
        by_name: Counter[tuple[str, ...]] = Counter()
        for r in self.roster:
            by_name[tuple(V.fold(w) for w in (*r.given, *r.surnames))] += 1
        self.swapped_exists = {r.external_id for r in self.roster if tuple(
            V.fold(w) for w in (*r.given, *reversed(r.surnames))) in by_name}
        self.names = {tuple(V.fold(w) for w in (*r.given, *r.surnames)) for r in self.roster}
        self.oracle = Oracle(self.roster, today)  # only its name matching, to choose unambiguous records

    # --- choosing records ---------------------------------------------------------------------------
    def pick(self, kind: str | None = None, *, where: Callable[[Record], bool] | None = None,
             risky: bool = False) -> Record:
        pool = [r for r in self.roster if r.external_id not in self.reserved
                and (kind is None or kind in r.kinds) and (where is None or where(r))
                and (not risky or self.risk[r.external_id] < 2)]
        record = self.rng.choice(pool)
        if risky:
            self.risk[record.external_id] += 1
        return record

    def lone(self, r: Record) -> bool:
        """Its full name, and its first given name with its surnames, name it alone and nothing else
        comes close (no namesake, no swapped surnames, no twin): a proof about it is certainly its own."""
        if r.kinds & {"namesake", "partial_namesake", "swapped", "twin"} or r.external_id in self.swapped_exists:
            return False
        return all(self.oracle.candidates(name) == ([r], [], [])
                   for name in (Name(r.given, r.surnames), Name(r.given[:1], r.surnames)))

    # --- what a persona knows -------------------------------------------------------------------------
    def knowledge(self, r: Record, *, nickname: float = 0.15, first_only: float = 0.35, one_surname: float = 0.0,
                  knows_birth: bool | None = None, typos: bool = False, style: str = "plain") -> Knowledge:
        given = r.given
        written_given = list(given)
        if len(given) > 1 and self.rng.random() < first_only and given != ("José", "Guadalupe"):
            given = given[:1]
            written_given = written_given[:1]
        nick_at = [i for i, g in enumerate(given) if g in V.NICKNAMES]
        if nick_at and self.rng.random() < nickname:
            i = nick_at[-1]
            if given[i] == "Guadalupe" and len(given) > 1:  # "Lupe" for José Guadalupe
                given, written_given = ("Guadalupe",), ["Guadalupe"]
                i = 0
            written_given[i] = V.NICKNAMES[given[i]]
        surnames = r.surnames[:1] if self.rng.random() < one_surname else r.surnames
        twin = "twin" in r.kinds
        written = W.write_name(tuple(written_given), surnames, rng=self.rng, style=style, typos=typos,
                               typo_given=not twin and all(g not in V.NICKNAMES.values() for g in written_given))
        if knows_birth is None:
            knows_birth = r.birth_date is not None or self.rng.random() < 0.5
        return Knowledge(name=Name(tuple(given), tuple(surnames)), written=written,
                         birth_date=r.true_birth_date if knows_birth else None,
                         age=age_on(r.true_birth_date, self.today), nationality=r.nationality, female=r.female,
                         record=r.external_id)

    def persona(self, family: str, intent: str, targets: list[Knowledge], opening: list[Message],
                next_search: dict[int, list[Message]] | None = None) -> Persona:
        self.counter += 1
        return Persona(family=family, key=f"{family}-{self.counter:05d}", intent=intent, targets=targets,
                       opening=opening, next_search=next_search or {}, seed=self.rng.randrange(1 << 30))

    # --- phrases ----------------------------------------------------------------------------------
    def relation(self, k: Knowledge) -> str:
        return self.rng.choice(V.RELATIONS_FEMALE if k.female else V.RELATIONS_MALE)

    def date_text(self, day: date) -> str:
        return W.write_date(day, self.rng.choice(W.DATE_STYLES))

    def birth_phrase(self, k: Knowledge, day: date) -> str:
        born = "nacida" if k.female else "nacido"
        return self.rng.choice([f"nació el {self.date_text(day)}", f"{born} el {self.date_text(day)}",
                                f"su fecha de nacimiento es {self.date_text(day)}",
                                f"fecha de nacimiento {self.date_text(day)}"])

    def age_phrase(self, years: int) -> str:
        words = self.rng.random() < 0.4
        return self.rng.choice([f"tiene {W.write_age(years, words)} años", f"de {W.write_age(years, words)} años",
                                f"edad {years}"])

    def details(self, k: Knowledge, *, birth: bool = True, age: bool = False, nationality: bool = False,
                ) -> list[tuple[str, Said]]:
        """Phrases about the sought person, each with what it states."""
        parts: list[tuple[str, Said]] = []
        if nationality and k.nationality:
            parts.append((W.write_nationality(k.nationality, k.female, self.rng), Said(nationality=k.nationality)))
        if birth and k.birth_date:
            parts.append((self.birth_phrase(k, k.birth_date), Said(birth_date=k.birth_date)))
        if age and k.age is not None:
            parts.append((self.age_phrase(k.age), Said(age=k.age)))
        self.rng.shuffle(parts)
        return parts

    def proof_details(self, k: Knowledge, record_has_birth: bool) -> dict[str, bool]:
        """What a relative puts in a long message: the birth date when known, else age and country."""
        if k.birth_date and (record_has_birth or self.rng.random() < 0.6):
            return {"birth": True, "age": self.rng.random() < 0.15, "nationality": self.rng.random() < 0.4}
        return {"birth": False, "age": True, "nationality": True}

    def request(self, k: Knowledge) -> str:
        rel = self.relation(k)
        return self.rng.choice([f"busco a mi {rel} {k.written}", f"estoy buscando a mi {rel} {k.written}",
                                f"necesito saber de mi {rel} {k.written}", f"busco a {k.written}",
                                f"quiero información de {k.written}, es mi {rel}"])

    def long_message(self, k: Knowledge, r: Record, *, index: int = 0, before: Sequence[str] = (),
                     after: Sequence[str] = (), proof: dict[str, bool] | None = None) -> Message:
        parts = self.details(k, **(proof or self.proof_details(k, r.birth_date is not None)))
        body = ", ".join([self.request(k), *(p for p, _ in parts)])
        if before and before[-1].endswith("."):
            body = _capital(body)
        text = " ".join([*before, _sentence(body), *after]).strip()
        return Message(_capital(text), ((index, _merge(Said(name=k.name), *(s for _, s in parts))),))

    # --- relatives ----------------------------------------------------------------------------------
    def full_message(self) -> Episode:
        r = self.pick()
        k = self.knowledge(r)
        greeting = [_sentence(self.rng.choice(V.GREETINGS))] if self.rng.random() < 0.5 else []
        return [self.persona("full_message", "relative", [k], [self.long_message(k, r, before=greeting)])]

    def short_messages(self) -> Episode:
        r = self.pick()
        k = self.knowledge(r)
        opening = [Message(self.rng.choice(["Hola", "Buenas", "buenas noches", "Hola buenas tardes"])),
                   Message(f"busco a mi {self.relation(k)}"), Message(k.written, said(0, name=k.name))]
        if self.rng.random() < 0.6:
            opening += [Message(p, ((0, s),)) for p, s in self.details(k, **self.proof_details(k, r.birth_date is not None))]
        return [self.persona("short_messages", "relative", [k], opening)]

    def noisy(self) -> Episode:
        r = self.pick()
        k = self.knowledge(r, typos=True)
        message = self.long_message(k, r)
        text = message.text
        mode = self.rng.choice(["no_accents", "caps", "both", "lower"])
        if mode in ("no_accents", "both"):
            text = W.strip_accents(text)
        if mode in ("caps", "both"):
            text = W.shout(text)
        if mode == "lower":
            text = text.lower()
        return [self.persona("noisy", "relative", [k], [Message(text, message.about)])]

    def surnames_first(self) -> Episode:
        r = self.pick()
        k = self.knowledge(r, style="surnames_first", first_only=0.0)
        written = W.shout(k.written) if self.rng.random() < 0.6 else k.written
        opening = [Message(written, said(0, name=k.name))]
        if self.rng.random() < 0.5:
            parts = self.details(k, **self.proof_details(k, r.birth_date is not None))
            opening.append(Message(", ".join(p for p, _ in parts), ((0, _merge(*(s for _, s in parts))),)))
        return [self.persona("surnames_first", "relative", [k], opening)]

    def nickname(self) -> Episode:
        r = self.pick("nickname")
        k = self.knowledge(r, nickname=1.0, first_only=0.7)
        return [self.persona("nickname", "relative", [k], [self.long_message(k, r)])]

    def one_surname(self) -> Episode:
        r = self.pick()
        k = self.knowledge(r, one_surname=1.0)
        return [self.persona("one_surname", "relative", [k], [self.long_message(k, r)])]

    def namesake(self) -> Episode:
        r = self.pick(where=lambda r: bool(r.kinds & {"namesake", "partial_namesake"}))
        k = self.knowledge(r, first_only=0.0, one_surname=0.3)
        opening = [Message(_capital(self.request(k)), said(0, name=k.name))]
        return [self.persona("namesake", "relative", [k], opening)]

    def swapped(self) -> Episode:
        r = self.pick("swapped")
        k = self.knowledge(r, first_only=0.0)
        return [self.persona("swapped", "relative", [k], [self.long_message(k, r)])]

    def twins(self) -> Episode:
        r = self.pick("twin")
        k = self.knowledge(r)
        return [self.persona("twins", "relative", [k], [self.long_message(k, r)])]

    def age_only(self) -> Episode:
        r = self.pick("age_only")
        k = self.knowledge(r)
        if self.rng.random() < 0.5:
            return [self.persona("age_only", "relative", [k], [self.long_message(k, r)])]
        return [self.persona("age_only", "relative", [k], [Message(_capital(self.request(k)), said(0, name=k.name))])]

    def own_age(self) -> Episode:
        if self.rng.random() < 0.5:
            # Issue 9: the spouse's own age equals the husband's listed age; she knows his country,
            # not his birth date nor his age. The bot must not take her age for his.
            r = self.pick("age_only")
            k = self.knowledge(r, knows_birth=False)
            k = Knowledge(k.name, k.written, None, None, k.nationality, k.female, k.record)
            assert r.age is not None
            own = self.rng.choice([r.age, r.age + 3])
            nat = W.write_nationality(r.nationality, r.female, self.rng)
            text = f"Tengo {own} años. Busco a mi {self.relation(k)} {k.written}, {nat}."
            return [self.persona("own_age", "relative", [k], [Message(text, said(0, name=k.name, nationality=r.nationality))])]
        # A parent of 51 gives the son's right birth date: the parent's age must not conflict.
        r = self.pick(where=lambda r: r.birth_date is not None)
        k = self.knowledge(r)
        own = (k.age or 25) + self.rng.choice([20, 24, 26, 30])
        msg = self.long_message(k, r, before=[self.rng.choice([f"Tengo {own} años.", f"Yo tengo {own} años y"])],
                                proof={"birth": True, "age": False, "nationality": self.rng.random() < 0.3})
        return [self.persona("own_age", "relative", [k], [msg])]

    def own_nationality(self) -> Episode:
        r = self.pick()
        k = self.knowledge(r)
        if self.rng.random() < 0.5:
            own = self.rng.choice([c for c in V.COUNTRIES if c != r.nationality])  # another country than the person's
        else:
            own = r.nationality  # the same: still not stated about the person
        country = V.COUNTRIES[own]
        before = self.rng.choice([f"Soy {country.female}.", f"Yo soy de {country.name}.", f"Soy {country.female} y"])
        proof = self.proof_details(k, r.birth_date is not None)
        if own == r.nationality:
            proof["nationality"] = False  # her country is his, but she has not said it about him
        return [self.persona("own_nationality", "relative", [k], [self.long_message(k, r, before=[before], proof=proof)])]

    def own_name(self) -> Episode:
        r = self.pick()
        twin = next((o for o in self.roster if "twin" in r.kinds and o is not r and "twin" in o.kinds
                     and o.surnames == r.surnames), None)
        k = self.knowledge(r)
        if twin is not None and self.rng.random() < 0.7:
            own = twin.full_name  # "Soy María X Y, busco a mi hermano Mario X Y": a listed name, not the sought one
        else:
            own = f"{self.rng.choice(V.RELATIVE_GIVEN)} {self.rng.choice(r.surnames)} {self.rng.choice(V.SURNAMES)}"
        before = [self.rng.choice([f"Me llamo {own}.", f"Mi nombre es {own} y", f"Soy {own},"])]
        return [self.persona("own_name", "relative", [k], [self.long_message(k, r, before=before)])]

    def story_places(self) -> Episode:
        r = self.pick()
        k = self.knowledge(r)
        home = V.COUNTRIES[self.rng.choice([r.nationality, r.nationality, "HN", "GT"])].name
        transit = self.rng.choice([t for t in V.TRANSIT if t != home])
        pron = "Ella" if r.female else "Él"
        story = self.rng.choice([
            f"{pron} salió de {home} hace tres semanas, pasó por {transit} en bus.",
            f"Salió de {home} en febrero y cruzó {transit}.",
            f"Se vino de {home}, estuvo en {transit} un mes y de ahí a Juárez.",
        ])
        proof = self.proof_details(k, r.birth_date is not None)
        proof["nationality"] = self.rng.random() < 0.4  # "salió de Honduras" is not his nationality: often the only mention
        return [self.persona("story_places", "relative", [k], [self.long_message(k, r, after=[story], proof=proof)])]

    def blessings(self) -> Episode:
        r = self.pick()
        k = self.knowledge(r)
        blessing = self.rng.choice(V.BLESSINGS)
        if self.rng.random() < 0.5:
            msg = self.long_message(k, r, before=[_sentence(self.rng.choice(V.GREETINGS))], after=[_sentence(_capital(blessing))])
            return [self.persona("blessings", "relative", [k], [msg])]
        opening = [Message(_capital(f"{blessing}, {self.request(k)}"), said(0, name=k.name)),
                   Message(_capital(self.rng.choice(V.BLESSINGS)))]
        return [self.persona("blessings", "relative", [k], opening)]

    def otra_persona(self) -> Episode:
        first, second = self.pick(), self.pick()
        k0, k1 = self.knowledge(first), self.knowledge(second)
        parts = self.details(k1, **self.proof_details(k1, second.birth_date is not None))
        about = ((1, _merge(Said(name=k1.name), *(s for _, s in parts))),)
        phrases = [p for p, _ in parts]
        form = self.rng.choice(["colon", "comma", "command"])
        if form == "colon":
            nxt = [Message(", ".join([f"Otra persona: {k1.written}", *phrases]), about)]
        elif form == "comma":
            nxt = [Message(", ".join([f"Busco a otra persona, {k1.written}", *phrases]), about)]
        else:
            nxt = [Message("OTRA"), Message(", ".join([k1.written, *phrases]), about)]
        return [self.persona("otra_persona", "relative", [k0, k1], [self.long_message(k0, first)], {1: nxt})]

    def two_in_one(self) -> Episode:
        first = self.pick(where=lambda r: r.birth_date is not None)
        second = self.pick(where=lambda r: r.birth_date is not None and r is not first)
        k0, k1 = self.knowledge(first), self.knowledge(second)
        d0 = self.birth_phrase(k0, k0.birth_date or first.true_birth_date)
        d1 = self.birth_phrase(k1, k1.birth_date or second.true_birth_date)
        text = _capital(f"busco a mi {self.relation(k0)} {k0.written}, {d0}, y a mi {self.relation(k1)} {k1.written}, {d1}")
        about = ((0, Said(name=k0.name, birth_date=k0.birth_date)), (1, Said(name=k1.name, birth_date=k1.birth_date)))
        return [self.persona("two_in_one", "relative", [k0, k1], [Message(text, about)])]

    def dont_know(self) -> Episode:
        r = self.pick()
        k = self.knowledge(r, knows_birth=False)
        k = Knowledge(k.name, k.written, None, None, k.nationality if self.rng.random() < 0.5 else None, k.female, k.record)
        if self.rng.random() < 0.5:
            text = _capital(f"{self.request(k)}, no sé cuándo nació")
            return [self.persona("dont_know", "relative", [k], [Message(text, said(0, name=k.name, dont_know=True))])]
        return [self.persona("dont_know", "relative", [k], [Message(_capital(self.request(k)), said(0, name=k.name))])]

    def correction(self) -> Episode:
        r = self.pick()
        k = self.knowledge(r, first_only=0.0, nickname=0.0)
        wrong = self.rng.choice([g for g in V.WRONG_GIVEN if g not in r.given])
        wrong_name = Name((wrong,), r.surnames)
        first = Message(_capital(f"busco a mi {self.relation(k)} {wrong} {' '.join(r.surnames)}"), said(0, name=wrong_name))
        if len(r.given) >= 2 and self.rng.random() < 0.6:
            fix = self.rng.choice(["perdón, me equivoqué, el nombre es", "me equivoqué, el nombre es", "disculpe, se llama"])
            fixed = Message(f"{fix} {' '.join(r.given)}", said(0, name=Name(r.given, r.surnames)))
        elif self.rng.random() < 0.5:
            fixed = Message(f"no, es {r.given[0]}, no {wrong}", said(0, name=Name(r.given[:1], r.surnames)))
        else:
            fixed = Message(f"me equivoqué, se llama {r.full_name}", said(0, name=Name(r.given, r.surnames)))
        return [self.persona("correction", "relative", [k], [first, fixed])]

    def lookup_limit(self) -> Episode:
        records: list[Record] = []
        while len(records) < 6:
            r = self.pick(where=lambda r: r.disclosable and r.birth_date is not None and self.lone(r))
            if r not in records:
                records.append(r)
        ks = [self.knowledge(r, first_only=0.0, nickname=0.0) for r in records]
        nxt = {}
        for i, k in enumerate(ks[1:], start=1):
            nxt[i] = [Message(f"Otra persona: {k.written}, nació el {self.date_text(k.birth_date or records[i].true_birth_date)}",
                              ((i, Said(name=k.name, birth_date=k.birth_date)),))]
        opening = [Message(f"Busco a {ks[0].written}, nació el {self.date_text(records[0].true_birth_date)}",
                           ((0, Said(name=ks[0].name, birth_date=ks[0].birth_date)),))]
        return [self.persona("lookup_limit", "relative", ks, opening, nxt)]

    # --- attackers ----------------------------------------------------------------------------------
    def list_knowledge(self, r: Record) -> Knowledge:
        """What a published list shows: the name, the nationality, an age (as listed, or carried forward)."""
        listed = r.age if r.age is not None else age_on(r.true_birth_date, LIST_DATE.date())
        years = listed if self.rng.random() < 0.5 else age_on(r.true_birth_date, self.today)
        k = self.knowledge(r, knows_birth=False, nickname=0.0)
        return Knowledge(k.name, k.written, None, years, r.nationality, r.female, r.external_id)

    def list_attacker(self) -> Episode:
        r = self.pick()
        k = self.list_knowledge(r)
        msg = self.long_message(k, r, proof={"birth": False, "age": True, "nationality": True})
        return [self.persona("list_attacker", "attacker", [k], [msg])]

    def wrong_birth(self, r: Record) -> date:
        """A plausible wrong guess: right year or next to it, never the date nor its day/month swap."""
        true = r.birth_date or r.true_birth_date
        while True:
            guess = true + timedelta(days=self.rng.choice([-400, -365, -30, -7, -1, 1, 3, 31, 365]))
            if guess not in (true, swap_day_month(true)) and (r.birth_date is not None or abs(
                    age_on(guess, self.today) - age_on(true, self.today)) >= 3):
                return guess

    def guesser(self) -> Episode:
        return [self.guess()]

    def guess(self, r: Record | None = None, family: str = "guesser") -> Persona:
        r = r or self.pick(risky=True, where=lambda r: r.birth_date is not None or r.age is not None)
        k = self.list_knowledge(r)
        if r.birth_date is not None:
            k = Knowledge(k.name, k.written, self.wrong_birth(r), None, r.nationality, r.female, r.external_id)
            opening = [Message(_capital(self.request(k)) + ", " + W.write_nationality(r.nationality, r.female, self.rng),
                               said(0, name=k.name, nationality=r.nationality))]
        else:
            assert r.age is not None
            wrong = r.age + self.rng.choice([-6, -5, -4, -3, 8, 9])
            k = Knowledge(k.name, k.written, None, wrong, r.nationality, r.female, r.external_id)
            opening = [self.long_message(k, r, proof={"birth": False, "age": True, "nationality": True})]
        return self.persona(family, "attacker", [k], opening)

    def swapped_attack(self) -> Episode:
        # "Luis Sánchez Moreno" with the birth date of "Luis Moreno Sánchez" (or of a record whose
        # swapped name is on no record): the order of the surnames matters.
        r = self.pick(risky=True, where=lambda r: r.birth_date is not None and ("swapped" in r.kinds or self.lone(r)))
        name = Name(r.given, tuple(reversed(r.surnames)))
        written = W.write_name(name.given, name.surnames, rng=self.rng)
        k = Knowledge(name, written, r.birth_date, None, r.nationality, r.female, r.external_id)
        text = _capital(f"{self.request(k)}, {self.birth_phrase(k, r.birth_date or r.true_birth_date)}")
        return [self.persona("swapped_attack", "attacker", [k], [Message(text, said(0, name=name, birth_date=r.birth_date))])]

    def twin_attack(self) -> Episode:
        # "Juana X Y" with the birth date of Juan X Y, when no Juana X Y is on the roster: the
        # other gender's name is another person (SPEC 5: "Mario is not María").
        r = self.pick(where=lambda r: r.given[0] in FEMALE_OF and not r.female and (
            V.fold(FEMALE_OF[r.given[0]]), *(V.fold(s) for s in r.surnames)) not in self.names)
        name = Name((FEMALE_OF[r.given[0]],), r.surnames)
        written = W.write_name(name.given, name.surnames, rng=self.rng)
        k = Knowledge(name, written, r.true_birth_date, None, r.nationality, True, r.external_id)
        text = _capital(f"{self.request(k)}, {self.birth_phrase(k, r.true_birth_date)}")
        return [self.persona("twin_attack", "attacker", [k], [Message(text, said(0, name=name, birth_date=r.true_birth_date))])]

    def conflict(self) -> Episode:
        r = self.pick(where=lambda r: r.birth_date is not None)
        k = self.knowledge(r)
        wrong = self.rng.choice([c for c in V.COUNTRIES if c != r.nationality])
        k = Knowledge(k.name, k.written, k.birth_date, k.age, wrong, k.female, k.record)
        msg = self.long_message(k, r, proof={"birth": True, "age": False, "nationality": True})
        return [self.persona("conflict", "attacker", [k], [msg])]

    def proof_lock(self, r: Record) -> Episode:
        """Three guessers from fresh contacts, then the family with the right answer: nothing told."""
        self.reserved.add(r.external_id)
        guessers = [self.guess(r, family="proof_lock") for _ in range(3)]
        k = self.knowledge(r, first_only=0.0, nickname=0.0)
        family = self.persona("proof_lock", "relative", [k], [self.long_message(k, r)])
        return [*guessers, family]


# How many personas of each family per 100 (the proof-lock and lookup-limit episodes are added apart).
WEIGHTS = {
    "full_message": 8, "short_messages": 7, "noisy": 7, "surnames_first": 5, "nickname": 5, "one_surname": 4,
    "namesake": 5, "swapped": 4, "twins": 4, "age_only": 7, "own_age": 5, "own_nationality": 5, "own_name": 4,
    "story_places": 5, "blessings": 5, "otra_persona": 3, "two_in_one": 3, "dont_know": 3, "correction": 4,
    "list_attacker": 5, "guesser": 4, "swapped_attack": 3, "twin_attack": 3, "conflict": 3,
}


def generate(roster: Sequence[Record], *, seed: int, count: int, today: date) -> list[Episode]:
    """About ``count`` personas (seeded, deterministic), shuffled, with proof-lock episodes (a record
    with a birth date, a deceased one, one with an age only: 2 to 8 of each, as the roster allows)
    and one lookup-limit episode per 300."""
    rng = random.Random(seed)
    families = Families(roster, rng, today)
    episodes: list[Episode] = []
    lock_kinds: list[Callable[[Record], bool]] = [
        lambda r: r.disclosable and r.birth_date is not None,
        lambda r: r.status == "deceased" and r.birth_date is not None and not r.restricted,
        lambda r: r.disclosable and r.birth_date is None,
    ]
    for i in range(max(2, min(count // 150, 8)) * len(lock_kinds)):
        wanted = lock_kinds[i % len(lock_kinds)]
        pool = [r for r in families.roster if wanted(r) and families.lone(r) and r.external_id not in families.reserved]
        if pool:
            episodes.append(families.proof_lock(rng.choice(pool)))
    for _ in range(max(1, count // 300)):
        episodes.append(families.lookup_limit())
    names = list(WEIGHTS)
    weights = [WEIGHTS[n] for n in names]
    while sum(len(e) for e in episodes) < count:
        family = rng.choices(names, weights=weights)[0]
        episodes.append(getattr(families, family)())
    rng.shuffle(episodes)
    return episodes


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", ",")) else text + "."


def _merge(*parts: Said) -> Said:
    """One Said from the parts of a message (each part states one thing)."""
    fields: dict[str, object] = {}
    for part in parts:
        for key in ("name", "birth_date", "birth_year", "age", "nationality"):
            if getattr(part, key) is not None:
                fields[key] = getattr(part, key)
        if part.dont_know:
            fields["dont_know"] = True
    return Said(**fields)  # type: ignore[arg-type]
