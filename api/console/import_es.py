"""The roster importer's report in Spanish for the console.

The importer says each problem as a code with its values (bot/roster/problems.py) and words it in
English for the command line; the console words the same codes here, in Spanish, with the same
values. Nothing is translated from the English sentence. A code without Spanish words here is a
test failure (tests/console/test_console_import_spanish.py), never an English line on the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.console.security import TEMPLATES
from bot import status_refusals
from bot.roster.problems import ENCODINGS, Catalogue, Problem, refusal_words
from bot.roster.problems import ProblemCode as P

_STATUS = {"unconfirmed": "sin confirmar", "safe": "a salvo", "hospitalized": "hospitalizado",
           "transferred": "trasladado", "released": "liberado", "returned": "retornado", "deceased": "fallecido"}


def _encoding(p: Mapping[str, Any]) -> str:
    return f"{ENCODINGS[p['encoding']]}{' con BOM' if p.get('bom') else ''}"


def _death_is_proposal(p: Mapping[str, Any]) -> str:
    number = f" (n.º {p['proposal']})" if p.get("proposal") is not None else ""
    return (f"línea {p['line']}: un fallecimiento no se registra al importar: es una propuesta{number} que otra "
            "persona debe confirmar (en la consola, la ficha de la persona)")


SPANISH: Catalogue = {
    P.EMPTY_FILE: "el archivo está vacío (no tiene fila de encabezado)",
    P.NO_DATA_ROWS: "el archivo tiene encabezado pero ninguna fila de datos",
    P.UNREADABLE_CSV: "CSV ilegible ({detail}); no se leyó nada después",
    P.NOT_UTF8: lambda p: f"el archivo no es UTF-8 válido; se leyó como {_encoding(p)}",
    P.UNKNOWN_COLUMN: "la columna «{column}» no es una columna de la lista y se ignoró",
    P.DUPLICATE_COLUMN: "la columna {column} aparece dos veces (también como «{also}»)",
    P.MISSING_COLUMN: lambda p: f"falta una columna obligatoria (un encabezado llamado {' o '.join(p['aliases'])})",
    P.TOO_MANY_FIELDS: "{fields} campos, pero el encabezado tiene {columns} columnas",
    P.CONTROL_CHARACTER: "contiene un carácter de control invisible ({character})",
    P.TOO_LONG: "demasiado largo ({length} caracteres; máximo {limit})",
    P.REQUIRED: "obligatorio: no puede estar vacío",
    P.UNKNOWN_NATIONALITY: "nacionalidad desconocida «{value}» (use un código ISO como GT o el nombre del país en "
                           "español)",
    P.NOT_A_DATE: "«{value}» no es una fecha (use AAAA-MM-DD o DD/MM/AAAA)",
    P.IMPOSSIBLE_DATE: "fecha imposible «{value}»",
    P.BIRTH_DATE_IN_FUTURE: "la fecha de nacimiento {date} está en el futuro",
    P.BIRTH_DATE_TOO_OLD: "la fecha de nacimiento {date} es de hace más de {years} años",
    P.AGE_NOT_A_NUMBER: "la edad «{value}» no es un número entero de años",
    P.AGE_OUT_OF_RANGE: "la edad {age} está fuera de rango (de 0 a {maximum})",
    P.UNKNOWN_STATUS: "estado desconocido «{value}» (use sin confirmar, a salvo, hospitalizado, trasladado, liberado, "
                      "retornado o fallecido, o sus códigos)",
    P.STATUS_NEEDS_SOURCE: lambda p: f"el estado «{_STATUS.get(p['status'], p['status'])}» necesita una fuente: sin "
                                     "fuente no está verificado y nunca se comunicaría a un familiar",
    P.NOT_A_TIMESTAMP: "«{value}» no es una fecha y hora ISO 8601 (por ejemplo 2023-03-28T14:00:00-06:00)",
    P.TIMESTAMP_IN_FUTURE: "«{value}» está en el futuro",
    P.NOT_A_BOOLEAN: "«{value}» no es un valor sí/no (use 1/0, sí/no o true/false)",
    P.NAMES_TOO_LONG: "nombres demasiado largos una vez normalizados (máximo {limit})",
    P.DUPLICATE_EXTERNAL_ID: "external_id repetido «{external_id}» (primero en la línea {first_line})",
    P.DUPLICATE_NAME: "los mismos nombres y fecha de nacimiento que la línea {first_line}, sin external_id que los "
                      "distinga",
    P.AMBIGUOUS_MATCH: "coincide con varias personas registradas con los mismos nombres y fecha de nacimiento: dele "
                       "un external_id",
    P.STATUS_KEPT_NEWER: "línea {line}: el estado se deja como estaba, verificado más tarde "
                         "({recorded:%Y-%m-%d %H:%M} UTC) que el de esta lista ({listed:%Y-%m-%d %H:%M} UTC)",
    # the status refusal's own Spanish words (bot/status_refusals.py)
    P.DEATH_NOT_PROPOSED: lambda p: f"línea {p['line']}: el fallecimiento no se propuso: "
                                    f"{refusal_words(p, status_refusals.SPANISH)}",
    P.DEATH_IS_PROPOSAL: _death_is_proposal,
}


def in_spanish(item: Problem) -> str:
    """A problem of the report (an error's ``problem`` or a warning) in the console's words."""
    return item.words(SPANISH)


TEMPLATES.env.filters["es"] = in_spanish
