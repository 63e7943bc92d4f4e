"""Properties of what a relative sees (SPEC 5, issue 9), on the FICTIONAL roster, through the real
service, on SQLite and PostgreSQL:
- the proof question has the same words whether the name matches one record, several or none
  (the question must never reveal that a name is listed, nor how many records carry it);
- the relative's own age, nationality or name never change what the bot does about the person
  sought (they are not the person's details)."""

from __future__ import annotations

import itertools
import random
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from bot.conversations import handle_inbound
from common.settings import Settings
from db.session import session_scope
from tests.adversarial import render as W
from tests.adversarial import vocab as V
from tests.adversarial.harness import REFERENCE, Replies, today_for
from tests.adversarial.inquiries import Families
from tests.adversarial.oracle import Name, Oracle
from tests.adversarial.roster import Record, generate_roster

ROSTER = generate_roster(seed=9)  # the same FICTIONAL roster as the `fictional_roster` fixture
_ORACLE = Oracle(ROSTER, date(2026, 11, 29))
_FAMILIES = Families(ROSTER, random.Random(0), date(2026, 11, 29))
_ids = itertools.count(1)


def _names_matching(count: str) -> list[str]:
    """Names as a relative writes them that match one record, several, or none (by the oracle)."""
    if count == "one":
        return [r.full_name for r in ROSTER if _FAMILIES.lone(r)]
    if count == "several":
        found = {" ".join((*r.given, *r.surnames[:k])) for r in ROSTER for k in (1, 2)
                 if len(_ORACLE.candidates(Name(r.given, r.surnames[:k]))[0]) >= 2}
        return sorted(found)
    invented = [f"{g} {a} {b}" for g, a, b in zip(V.WRONG_GIVEN, V.SURNAMES[::3], V.SURNAMES[1::3], strict=False)]
    return [n for n in invented if not any(_ORACLE.candidates(Name((n.split()[0],), tuple(n.split()[1:]))))]


NAMES = {count: _names_matching(count) for count in ("one", "several", "none")}
WRITTEN = st.sampled_from(["as is", "lower", "no accents", "caps"])
PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def say(factory: sessionmaker[Session], cfg: Settings, address: str, text: str) -> list[str]:
    with session_scope(factory) as session:
        result = handle_inbound(session, cfg, channel="local", address=address, provider_id=f"prop-{next(_ids)}", text=text)
    return [REFERENCE.sub("<ref>", r) for r in result.replies]


def written(text: str, how: str) -> str:
    return {"as is": text, "lower": text.lower(), "no accents": W.strip_accents(text), "caps": text.upper()}[how]


def test_the_name_pools_hold_each_kind_of_match() -> None:
    assert all(len(NAMES[c]) >= 5 for c in NAMES), {c: len(v) for c, v in NAMES.items()}


@PROPERTY
@given(count=st.sampled_from(["one", "several", "none"]), pick=st.integers(min_value=0), how=WRITTEN)
def test_the_proof_question_has_the_same_words_for_one_several_or_no_records(
        count: str, pick: int, how: str, session_factory: sessionmaker[Session], settings: Settings,
        imported: dict[str, int]) -> None:
    names = NAMES[count]
    name = names[pick % len(names)]
    reference = say(session_factory, settings, f"prop-ref-{next(_ids)}", f"Busco a {NAMES['none'][0]}")
    assert Replies(ROSTER).kind(reference[-1]) == "ask_birth", reference
    assert say(session_factory, settings, f"prop-{next(_ids)}", written(f"Busco a {name}", how)) == reference


OWN = st.sampled_from(["age", "nationality", "name"])


@PROPERTY
@given(record=st.sampled_from([r for r in ROSTER if _FAMILIES.lone(r)]), own=OWN, with_proof=st.booleans(),
       data=st.data())
def test_the_relatives_own_details_never_change_the_reply(
        record: Record, own: str, with_proof: bool, data: st.DataObject, session_factory: sessionmaker[Session],
        settings: Settings, imported: dict[str, int]) -> None:
    today = today_for(settings)
    person_age = record.age if record.age is not None else (today.year - record.true_birth_date.year)
    if own == "age":
        # Her own age is the person's age (listed or now) or not: it must never count as his.
        years = data.draw(st.sampled_from([person_age, person_age + 3, person_age + 20]))
        preface = f"Tengo {years} años."
    elif own == "nationality":
        code = data.draw(st.sampled_from(sorted(V.COUNTRIES)))
        preface = f"Soy {V.COUNTRIES[code].female}."
    else:
        other = data.draw(st.sampled_from([r for r in ROSTER if r is not record]))
        preface = f"Me llamo {other.full_name}."
    request = f"Busco a {record.full_name}"
    if with_proof and record.birth_date is not None:
        request += f", nació el {W.write_date(record.birth_date, 'long')}"
    plain = say(session_factory, settings, f"prop-{next(_ids)}", request)
    told = say(session_factory, settings, f"prop-{next(_ids)}", f"{preface} {request}")
    assert told == plain, (preface, request)
