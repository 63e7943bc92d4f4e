"""Each named step of parse_message on its own (bot/language/reading.py, subjects.py).

Issue 9's bug hid in one long function; each step is now tested apart, on the Reading it gets.
All names are fictional.
"""

from __future__ import annotations

from datetime import date

from bot.language import reading as steps
from bot.language.reading import Detail, Reading
from bot.language.subjects import OTHER, PLACE, RELATIVE, Attribution, Mentioned, first_person_mentions

TODAY = date(2026, 1, 15)


def _r(text: str) -> Reading:
    return Reading.of(text, TODAY)


def _consumed_words(r: Reading) -> list[str]:
    return [w for w, used in zip(r.words, r.consumed, strict=True) if used]


def test_reading_of_tokenises_and_finds_breaks() -> None:
    r = _r("Busco a Kevin Coc, tiene 30")
    assert r.words == ["busco", "a", "kevin", "coc", "tiene", "30"]
    assert r.breaks == [False, False, False, True, False, True]
    assert r.consumed == [False] * 6 and r.mixed_case


def test_read_courtesy_sets_aside_blessings_and_pleas() -> None:
    r = _r("Dios les pague, se lo suplico, busco a Kevin Coc")
    steps.read_courtesy(r)
    assert _consumed_words(r) == ["dios", "les", "pague", "se", "lo", "suplico"]


def test_read_dont_know_marks_the_phrase() -> None:
    r = _r("no sé cuándo nació")
    assert steps.read_dont_know(r) is True
    assert _consumed_words(r) == ["no", "se"]
    assert steps.read_dont_know(_r("no sé nada de él")) is False


def test_read_new_search_gives_the_end_of_the_phrase() -> None:
    assert steps.read_new_search(_r("otra persona: Kevin Coc")) == 2
    assert steps.read_new_search(_r("ahora busco a Kevin Coc")) == 2
    assert steps.read_new_search(_r("busco a Kevin Coc")) is None


def test_read_dates_gives_birth_dates_and_years_and_sets_aside_event_dates() -> None:
    r = _r("nació el 3 de mayo de 1996, lo detuvieron el 27/03/2025")
    found = steps.read_dates(r)
    assert found == [Detail("birth_date", date(1996, 5, 3), 2, 7)]
    assert "27" in _consumed_words(r)  # the arrest date is no age either


def test_read_contacts_sets_aside_phone_numbers() -> None:
    r = _r("mi teléfono es 55 1234 5678, tiene 30 años")
    steps.read_contacts(r)
    assert _consumed_words(r) == ["55", "1234", "5678"]
    assert [d.value for d in steps.read_ages(r)] == [30]


def test_read_birth_years_and_ages() -> None:
    r = _r("nació en 1995")
    assert [(d.kind, d.value) for d in steps.read_birth_years(r)] == [("birth_year", 1995)]
    r = _r("tengo 45 años y él tiene como 30")
    ages = steps.read_ages(r)
    assert [(d.value, d.approximate) for d in ages] == [(45, False), (30, True)]
    assert steps.read_ages(_r("hace 20 años que se fue")) == []


def test_read_nationalities_reads_every_country_without_deciding_whose() -> None:
    r = _r("salió de Honduras, es guatemalteco")
    assert [(d.value, d.start) for d in steps.read_nationalities(r)] == [("HN", 2), ("GT", 4)]


def test_read_relationships_marks_the_words() -> None:
    r = _r("mi hermana y yo buscamos a mi primo")
    relations = steps.read_relationships(r)
    assert [rel.code for rel in relations] == ["sibling", "cousin"]
    assert _consumed_words(r) == ["mi", "hermana", "mi", "primo"]


def test_read_names_finds_two_persons_and_the_relatives_name() -> None:
    r = _r("Soy Ana Lemus. Busco a mi hermano José Pérez y a mi primo Luis García")
    relations = steps.read_relationships(r)
    names = steps.read_names(r, relations, lenient=True, correcting=False)
    assert names.relative_name == "Ana Lemus"
    assert [p.name.raw for p in names.persons] == ["José Pérez", "Luis García"]
    assert names.first is not None and names.first.name.raw == "José Pérez"


def test_read_names_leaves_the_relatives_company_out() -> None:
    r = _r("Mi esposo Pedro Coc y yo buscamos a nuestro hijo Kevin Coc")
    relations = steps.read_relationships(r)
    names = steps.read_names(r, relations, lenient=True, correcting=False)
    assert [p.name.raw for p in names.persons] == ["Kevin Coc"]
    assert names.co_searchers == frozenset({0})


def test_read_names_while_correcting_takes_one_person() -> None:
    r = _r("perdón, busco a José Pérez y a Luis García")
    names = steps.read_names(r, steps.read_relationships(r), lenient=True, correcting=True)
    assert len(names.persons) == 1


def test_mentions_say_who_each_part_names() -> None:
    r = _r("Tengo 45 años. Busco a mi hijo Kevin Coc, su papá es hondureño")
    relations = steps.read_relationships(r)
    names = steps.read_names(r, relations, lenient=True, correcting=False)
    said = {(m.start, m.who) for m in steps.mentions(r, names, relations)}
    assert (0, RELATIVE) in said  # "tengo"
    assert (5, 0) in said and (7, 0) in said  # "mi hijo", "Kevin Coc"
    assert (10, OTHER) in said  # "papá" after "su"


def test_attribute_gives_each_detail_its_owner() -> None:
    r = _r("Tengo 45 años. Busco a mi hijo Kevin Coc, salió de Honduras, es guatemalteco")
    details = steps.read_ages(r) + steps.read_nationalities(r)
    relations = steps.read_relationships(r)
    names = steps.read_names(r, relations, lenient=True, correcting=False)
    owned = steps.attribute(r, details, steps.mentions(r, names, relations))
    assert [(d.value, who) for d, who in owned] == [(45, RELATIVE), ("HN", PLACE), ("GT", 0)]


def test_negated_and_correction_marker() -> None:
    r = _r("no es guatemalteco, es hondureño")
    nationalities = steps.read_nationalities(r)
    assert [steps.negated(r, d) for d in nationalities] == [True, False]
    assert steps.correction_marker(_r("me equivoqué, se llama Luis"))
    assert not steps.correction_marker(_r("se llama Luis"))


def test_attribution_whose_on_its_own() -> None:
    words = "yo tengo 45 y el tiene 30 paso por mexico".split()
    breaks = [False] * (len(words) - 1) + [True]
    who = Attribution(words, breaks, first_person_mentions(words))
    assert who.whose(2) == RELATIVE  # "yo tengo 45"
    assert who.whose(6) == 0  # "él tiene 30": nobody else mentioned, so the person
    assert who.whose(9, nationality=True) == PLACE  # "pasó por México"
    assert who.whose(9) == 0  # the journey words matter only for nationalities


def test_attribution_bare_clause_follows_the_last_mentioned() -> None:
    words = "soy ana , hondurena".replace(" ,", "").split()  # "soy Ana, hondureña"
    breaks = [False, True, True]
    who = Attribution(words, breaks, [Mentioned(1, 2, RELATIVE)])
    assert who.whose(2, nationality=True) == RELATIVE
    assert Attribution(["hondurena"], [True], []).whose(0, nationality=True) == 0
