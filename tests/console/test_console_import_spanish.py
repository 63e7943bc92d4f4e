"""The console shows the roster importer's report in Spanish (the importer speaks English to the
command line): every problem's code has Spanish words (api/console/import_es.py), and every reason
and warning of a list full of mistakes is in Spanish, none left in English. HTTP level, SQLite and
PostgreSQL. All data FICTIONAL."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from api.console.import_es import SPANISH, in_spanish
from bot.roster.problems import ProblemCode, problem
from bot.status_refusals import StatusRefusal
from tests.console.conftest import page_csrf

Client = Callable[[str | None], TestClient]

MISTAKES = ("external_id,given_names,surnames,nationality,birth_date,age,status,source,verified_at,restricted,color\n"
            "X-1,Ana,Prueba,Narnia,1990-13-45,,,,,,azul\n"
            "X-2,,Sin Nombre,GT,31/02/1990,300,,,,,\n"
            "X-3,Luis,Ficticio,GT,2999-01-01,treinta,vivo,,ayer,quizá,\n"
            "X-3,Eva,Ficticia,HN,,40,hospitalizado,,,,\n"
            "X-5,Ana,Inventada,SV,01/01/1980,,a salvo,Acta ficticia,2999-01-01T00:00:00Z,,\n")


def test_every_reason_of_a_bad_list_is_in_spanish(make_client: Client) -> None:
    admin = make_client("admin")
    r = admin.post("/console/import", data={"csrf_token": page_csrf(admin, "/console/import"),
                                            "incident": "Lista ficticia"},
                   files={"file": ("errores.csv", MISTAKES.encode(), "text/csv")})
    assert r.status_code == 422
    reasons = re.findall(r'<td data-label="Motivo">([^<]*)</td>', r.text)
    warnings = re.findall(r"<li>([^<]*)</li>", r.text[r.text.index("import-errors"):])
    assert len(reasons) >= 9
    english = re.compile(r"\b(the|is|not|unknown|must|needs|column|date|future|required|cannot|empty|years|line)\b")
    assert [t for t in reasons + warnings if english.search(t)] == []
    page = r.text.replace("&#39;", "'").replace("&#34;", '"')
    for spanish in ("nacionalidad desconocida «Narnia»", "fecha imposible «1990-13-45»", "obligatorio: no puede estar vacío",
                    "la edad 300 está fuera de rango", "estado desconocido «vivo»",
                    "el estado «hospitalizado» necesita una fuente", "external_id repetido «X-3»",
                    "«quizá» no es un valor sí/no", "la columna «color» no es una columna de la lista"):
        assert spanish in page, spanish


def test_every_code_has_spanish_words_and_says_the_same_values() -> None:
    assert set(SPANISH) == set(ProblemCode)
    assert in_spanish(problem(ProblemCode.DEATH_IS_PROPOSAL, line=7, proposal=3)) == (
        "línea 7: un fallecimiento no se registra al importar: es una propuesta (n.º 3) que otra persona debe "
        "confirmar (en la consola, la ficha de la persona)")
    assert in_spanish(problem(ProblemCode.STATUS_KEPT_NEWER, line=2, recorded=datetime(2023, 3, 30, 16, tzinfo=UTC),
                              listed=datetime(2023, 3, 28, 20, tzinfo=UTC))) == (
        "línea 2: el estado se deja como estaba, verificado más tarde (2023-03-30 16:00 UTC) que el de esta lista "
        "(2023-03-28 20:00 UTC)")
    pending = problem(ProblemCode.DEATH_NOT_PROPOSED, line=4, refusal=StatusRefusal.ALREADY_PENDING,
                      refusal_params={"pending_id": 12})
    assert in_spanish(pending) == ("línea 4: el fallecimiento no se propuso: ya hay una propuesta pendiente para "
                                   "este registro (n.º 12): confírmela o recházela primero")
    assert str(pending) == ("line 4: deceased not proposed: a proposal for this record is already pending (id 12): "
                            "confirm or reject it first")
    assert in_spanish(problem(ProblemCode.NOT_UTF8, encoding="cp1252", bom=False)) == (
        "el archivo no es UTF-8 válido; se leyó como Windows-1252 (Latin-1)")
    assert in_spanish(problem(ProblemCode.MISSING_COLUMN, aliases=("given_names", "nombres"))) == (
        "falta una columna obligatoria (un encabezado llamado given_names o nombres)")
