"""Finding a person on the roster among decoys, on SQLite and PostgreSQL (fictional names)."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bot.matching.name_index import bulk_index_names, index_person_names, reindex_all
from bot.matching.search import Candidate, find_candidates, search_persons
from db.migrate import downgrade, upgrade
from db.models import Incident, NameVariant, Person, PersonNameKey
from db.repositories.name_index import forget_persons
from db.session import make_engine

# The person sought in most tests, then decoys that differ by one thing each.
ROSTER = [
    ("José Luis", "Hernández García"),
    ("José Luis", "García Hernández"),  # surnames swapped
    ("José Antonio", "Hernández García"),  # other second given name
    ("José", "Hernández López"),  # other second surname
    ("Luis", "Hernández García"),
    ("María", "Pérez López"),
    ("Mario", "Pérez López"),
    ("Jesús", "Martínez Ortega"),
    ("Jesica", "Martínez Ortega"),
    ("Antonio", "Moreno Sánchez"),
    ("Antonio", "Sánchez Moreno"),
    ("María de la Luz", "de la Cruz Hernández"),
    ("María", "Cruz Hernández"),
    ("Guillermo", "Valdez Ruiz"),
    ("Francisco", "Castillo Ramos"),
    ("Raúl", "Rojas Pérez"),
    ("Saúl", "Rosas Pérez"),
    ("Guadalupe", "Torres Díaz"),
    ("Eduardo", "Giménez Ortiz"),
    ("Ignacio", "del Río Pérez"),
]


def _roster(session: Session) -> dict[str, Person]:
    incident = Incident(name="Simulacro (datos ficticios)")
    session.add(incident)
    session.flush()
    persons = {}
    for given, surnames in ROSTER:
        person = Person(incident_id=incident.id, given_names=given, surnames=surnames)
        session.add(person)
        persons[f"{given} {surnames}"] = person
    session.commit()
    return persons


def _top(session: Session, q: str, **kwargs: object) -> Candidate:
    found = search_persons(session, q, **kwargs)  # type: ignore[arg-type]
    assert found, f"nothing found for {q!r}"
    return found[0]


def test_each_way_of_writing_the_name_finds_the_person_first(session: Session) -> None:
    persons = _roster(session)
    cases = {
        "José Luis Hernández García": "José Luis Hernández García",
        "jose luis hernandez garcia": "José Luis Hernández García",  # accents
        "HERNANDEZ GARCIA JOSE LUIS": "José Luis Hernández García",  # surnames first
        "Jose Luis Ernandes Garsia": "José Luis Hernández García",  # spelling
        "Jose Luis Hernadez Garcia": "José Luis Hernández García",  # typo
        "Jsoe Luis Hernandez Garcia": "José Luis Hernández García",  # typo in the given name
        "Chuy Martines Ortega": "Jesús Martínez Ortega",  # nickname + spelling
        "Memo Baldes": "Guillermo Valdez Ruiz",  # nickname, one surname, b/v
        "Paco Castiyo Ramos": "Francisco Castillo Ramos",
        "Lupe Torres": "Guadalupe Torres Díaz",
        "Lalo Jimenez Ortiz": "Eduardo Giménez Ortiz",
        "Nacho Rio Perez": "Ignacio del Río Pérez",  # nickname + particle dropped
        "Maria Luz Cruz Hernandez": "María de la Luz de la Cruz Hernández",  # particles dropped
        "Mario Perez Lopez": "Mario Pérez López",
        "Maria Perez Lopez": "María Pérez López",
        "Antonio Moreno Sanchez": "Antonio Moreno Sánchez",
        "Antonio Sanchez Moreno": "Antonio Sánchez Moreno",
        "Raul Rojas": "Raúl Rojas Pérez",
        "Saul Rosas": "Saúl Rosas Pérez",
    }
    for query, expected in cases.items():
        top = _top(session, query)
        assert top.person.id == persons[expected].id, (query, top.person.full_name, top.reason)
        assert top.strong, (query, top.reason)


def _delete(session: Session, person: Person) -> None:
    """Delete a person as any code that deletes persons must: its index keys first (the name index
    has no foreign key, so nothing cascades)."""
    forget_persons(session, [person.id])
    session.delete(person)
    session.commit()
    assert session.scalar(select(func.count()).select_from(PersonNameKey)
                          .where(PersonNameKey.person_id == person.id)) == 0


def test_a_swapped_surname_order_is_found_but_not_strong(session: Session) -> None:
    persons = _roster(session)
    _delete(session, persons["Antonio Sánchez Moreno"])
    found = search_persons(session, "Antonio Sánchez Moreno")
    assert found[0].person.id == persons["Antonio Moreno Sánchez"].id
    assert not found[0].strong
    assert "otro orden" in found[0].reason


def test_the_other_gender_is_never_strong(session: Session) -> None:
    persons = _roster(session)
    _delete(session, persons["Mario Pérez López"])
    found = search_persons(session, "Mario Pérez López")
    assert all(not c.strong for c in found)
    assert any(c.person.id == persons["María Pérez López"].id for c in found)


def test_an_unseen_name_finds_no_strong_candidate(session: Session) -> None:
    _roster(session)
    assert all(not c.strong for c in search_persons(session, "Pedro Hernández García"))
    assert search_persons(session, "Xochitl Quetzal Itzel") == []


def test_a_dropped_second_given_name_ranks_the_exact_namesake_first(session: Session) -> None:
    persons = _roster(session)
    found = search_persons(session, "José Hernández García", limit=5)
    ids = [c.person.id for c in found if c.strong]
    assert persons["José Luis Hernández García"].id in ids
    assert persons["José Antonio Hernández García"].id in ids
    assert persons["José Luis García Hernández"].id not in ids


def test_candidates_are_ranked_best_first_and_limited(session: Session) -> None:
    _roster(session)
    found = search_persons(session, "José Luis Hernández García", limit=3)
    assert len(found) == 3
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
    assert search_persons(session, "José Luis Hernández García", limit=0) == []
    assert search_persons(session, "   ") == []


def test_the_incident_filter_keeps_other_incidents_out(session: Session) -> None:
    persons = _roster(session)
    other = Incident(name="Otro simulacro (ficticio)")
    session.add(other)
    session.flush()
    twin = Person(incident_id=other.id, given_names="José Luis", surnames="Hernández García")
    session.add(twin)
    session.commit()
    first = persons["José Luis Hernández García"]
    ids = {c.person.id for c in search_persons(session, "José Luis Hernández García", incident_id=other.id)}
    assert ids == {twin.id}
    ids = {c.person.id for c in search_persons(session, "José Luis Hernández García", incident_id=first.incident_id)}
    assert first.id in ids and twin.id not in ids


def test_find_candidates_takes_text_or_blocks(session: Session) -> None:
    persons = _roster(session)
    expected = persons["Jesús Martínez Ortega"].id
    assert find_candidates(session, "Chuy Martínez")[0].person.id == expected
    assert find_candidates(session, ("Chuy", "Martínez Ortega"))[0].person.id == expected


def test_a_renamed_person_is_found_under_the_new_name_only(session: Session) -> None:
    persons = _roster(session)
    person = persons["Guadalupe Torres Díaz"]
    person.given_names, person.surnames = "Rigoberta", "Quispe Mamani"
    session.commit()
    assert person.phonetic_key == "rigoberta kispe mamani"
    assert _top(session, "Rigoberta Quispe").person.id == person.id
    assert all(c.person.id != person.id for c in search_persons(session, "Guadalupe Torres Díaz"))


def test_bulk_inserted_persons_are_found_after_bulk_indexing(session: Session) -> None:
    incident = Incident(name="Carga masiva (ficticia)")
    session.add(incident)
    session.flush()
    from bot.matching.keys import person_keys

    rows = [
        {"incident_id": incident.id, "given_names": g, "surnames": s, "aliases": [], **person_keys(g, s)}
        for g, s in ROSTER
    ]
    session.execute(Person.__table__.insert(), rows)
    assert search_persons(session, "Chuy Martínez") == []  # Core inserts bypass the ORM events
    loaded = session.execute(select(Person.id, Person.given_names, Person.surnames)).all()
    bulk_index_names(session, [(i, g, s) for i, g, s in loaded])
    session.commit()
    assert _top(session, "Chuy Martínez").person.given_names == "Jesús"


def test_indexing_again_is_idempotent(session: Session) -> None:
    persons = _roster(session)
    count = session.scalar(select(func.count()).select_from(PersonNameKey))
    index_person_names(session, list(persons.values()))
    assert reindex_all(session) == len(ROSTER)
    session.commit()
    assert session.scalar(select(func.count()).select_from(PersonNameKey)) == count
    assert session.scalar(select(func.count()).select_from(NameVariant)) > 0


def test_the_migration_indexes_persons_stored_before_it(db_url: str) -> None:
    downgrade(db_url, "28d5af9eacbe")
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO incidents (name, created_at) VALUES ('Antes (ficticio)', CURRENT_TIMESTAMP)"))
        conn.execute(text(
            "INSERT INTO persons (incident_id, given_names, surnames, aliases, restricted, name_key, given_key, "
            "surname_key, phonetic_key, current_status, status_version, created_at, updated_at) "
            "SELECT id, 'Jesús', 'Martínez Ortega', '[]', false, '', '', '', '', 'unconfirmed', 0, "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM incidents"
        ))
    upgrade(db_url)
    with Session(engine) as session:
        person = session.scalars(select(Person)).one()
        assert person.phonetic_key == "jesus martines ortega"
        assert _top(session, "Chuy Martínez").person.id == person.id
    engine.dispose()


def test_a_mistyped_surname_is_not_hidden_by_a_namesake_with_one_surname(session: Session) -> None:
    persons = _roster(session)
    incident_id = persons["José Luis Hernández García"].incident_id
    session.add(Person(incident_id=incident_id, given_names="José", surnames="García"))
    session.commit()
    top = _top(session, "Jose Luis Hernadez Garcia")
    assert top.person.id == persons["José Luis Hernández García"].id
    assert "error de escritura" in top.reason


def test_a_typo_that_changes_two_letters_of_the_phonetic_key_is_found(session: Session) -> None:
    _roster(session)
    top = _top(session, "Paco Cestillo Ramos")  # "ce" sounds "se": the key moves by two letters
    assert top.person.full_name == "Francisco Castillo Ramos"
    assert top.strong


def test_a_typo_query_returns_every_namesake_not_only_the_first_found(session: Session) -> None:
    incident = Incident(name="Homónimos (ficticio)")
    session.add(incident)
    session.flush()
    # Two persons named "Juan Marín (de) León", many "Juan Marín ..." between them: the first pass
    # (words as written) only fetches the first; it matches "lezn" only as a typo, so a second pass
    # with the neighbours of "lezn" must fetch both.
    first = Person(incident_id=incident.id, given_names="Juan", surnames="Marín León")
    session.add(first)
    session.flush()
    for i in range(40):
        surname = ROSTER[i % len(ROSTER)][1].split()[-1]
        session.add(Person(incident_id=incident.id, given_names="Juan", surnames=f"Marín {surname}"))
    session.flush()
    second = Person(incident_id=incident.id, given_names="Juan", surnames="Marín de León")
    session.add(second)
    session.commit()
    found = search_persons(session, "juan marin de lezn", limit=5)
    strong = {c.person.id for c in found if c.strong}
    assert strong == {first.id, second.id}
