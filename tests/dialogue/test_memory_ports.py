"""The in-memory ports the dialogue-only tests run on (tests/dialogue/memory_ports.py) must read the
demo roster as the service reads it from the database: for every name those tests search, the same
records come back as candidates that count for the policy (strong, or close enough to block a
disclosure), with the same score and the same fields, on both databases. Otherwise a dialogue test
in memory could pass where the real conversation would not. FICTIONAL demo roster."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversations import DbPorts, handle_inbound
from bot.policy import CLOSE_CANDIDATE_SCORE, Candidate
from common.settings import Settings
from db.models import Conversation, Person
from db.session import session_scope
from tests.dialogue.memory_ports import demo_roster, memory_relative
from tests.dialogue.support import today

# The names the mem_relative tests search for (as written, typos, nicknames, particles, capitals,
# one surname, swapped surnames, namesakes, records of every status, and names on no record).
SEARCHED = [
    "José Luis Hernández García", "Jose Luis Hernandez Garcia", "HERNANDEZ GARCIA JOSE LUIS", "José Luis Hernández",
    "jose luis hernandez", "José Luis Hernández López", "Pepe Luis Hernández García",
    "Juan Carlos Pérez Ramírez", "JUAN CARLOS PEREZ RAMIREZ", "Pérez Ramírez", "Juan Carlos Pérez Ramírez",
    "Antonio Sánchez Moreno", "Antonio Sanchez Moreno", "Moreno Sánchez Antonio", "Antonio Moreno",
    "Jesús Velázquez Yáñez", "Jesus Velazquez Yanez", "Jesus Velazquez", "Chuy Velazquez Yanez",
    "VELAZQUEZ YAÑEZ JESUS", "Jesus Velasques Yanes", "Jose Velazquez Yanez", "Jesús",
    "Guillermo Martínez de la Cruz", "guillermo martinez de la cruz", "Memo Martínez de la Cruz",
    "Francisco Javier del Valle Orellana", "Paco Javier del Valle Orellana", "paco del valle orellana",
    "Nacho Yáñez Hernández", "Ignacio Yáñez Hernández", "Lalo Hernández Velázquez",
    "José Guadalupe Martínez Ixcoy", "José Lupe Martínez Ixcoy", "Mario Alberto Cifuentes Barrios",
    "María Alberta Cifuentes Barrios", "Marvin Estuardo Tzul Choc", "Selvin Omar Batz", "Byron Alexander Caal Xol",
    "Raúl Maquín Ical", "Héctor Manuel Tiul Yat", "Héctor Manuel Tiul Yac", "Yoni Alexander Mejía Zelaya",
    "Wilfredo Guardado Portillo", "Jhon Fredy Restrepo Cardona", "Elmer Ajú Sicán", "Wilmer Coc Tiul",
    "Marco Antonio Hernández Cux", "Darwin Josué Orellana Mejía", "Angel Gabriel Pop Chen",
    "Juan José de León Xitumul", "JUAN JOSE DE LEON XITUMUL", "Edwin Rolando Velásquez Coc",
    "Yorman José Rondón Briceño", "Otto Rolando", "Pedro Inventado Ninguno", "Pablo Ficticio Nadie",
    "Domingo Tzul Ajpop Caal", "Wenceslao Ixtabay Quiñónez",
]


def _counted(candidates: list[Candidate], external: dict[int, str]) -> list[tuple]:
    """The candidates the policy looks at, as comparable values (the record's external id for its id)."""
    return [(external[c.person_id], round(c.score, 9), c.strong, c.name, c.nationality, c.birth_date,
             c.approx_age, c.restricted, c.status, c.location, c.source, c.verified_at, c.listed_on,
             c.proof_locked)
            for c in candidates if c.strong or c.score >= CLOSE_CANDIDATE_SCORE]


def test_the_memory_roster_is_the_whole_demo_roster() -> None:
    entries = demo_roster(today())
    assert len(entries) == 68 and len({e.external_id for e in entries}) == 68


def test_memory_ports_find_what_the_database_finds(demo: sessionmaker[Session], settings: Settings) -> None:
    with session_scope(demo) as s:
        handle_inbound(s, settings, channel="local", address="memory-check", provider_id="memory-check-1", text="hola")
    memory = memory_relative(today=today())
    mem_external = {e.candidate.person_id: e.external_id for e in memory.ports.entries}
    with demo() as s:
        db_external = {pid: ext for pid, ext in s.execute(select(Person.id, Person.external_id))}
        conversation = s.scalars(select(Conversation).where(Conversation.address == "memory-check")).one()
        ports = DbPorts(s, conversation, settings)
        assert ports.today == memory.ports.today
        found = set()
        for name in SEARCHED:
            from_db = _counted(ports.find_candidates(name), db_external)
            in_memory = _counted(memory.ports.find_candidates(name), mem_external)
            assert in_memory == from_db, name
            found |= {c[0] for c in from_db}
    # Not a comparison of empty lists: the records those tests are about were found.
    assert len(found) >= 25, sorted(found)
