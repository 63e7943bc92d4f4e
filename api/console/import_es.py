"""The roster importer's report in Spanish for the console (the importer itself speaks English to
the command line and its tests, docs/roster.md). Each known sentence is matched whole and re-said in
Spanish with its values; a sentence not known here is shown as it is rather than hidden."""

from __future__ import annotations

import re
from collections.abc import Callable

from api.console.security import TEMPLATES

_Match = re.Match[str]
_SEPARATORS = {"comma": "comas", "semicolon": "punto y coma", "tab": "tabuladores"}
_STATUS = {"unconfirmed": "sin confirmar", "safe": "a salvo", "hospitalized": "hospitalizado",
           "transferred": "trasladado", "released": "liberado", "returned": "retornado", "deceased": "fallecido"}

RULES: list[tuple[re.Pattern[str], str | Callable[[_Match], str]]] = [
    (re.compile(r"the file is empty \(no header row\)"), "el archivo está vacío (no tiene fila de encabezado)"),
    (re.compile(r"the file has a header row but no data rows"), "el archivo tiene encabezado pero ninguna fila de datos"),
    (re.compile(r"column '(.*)' is not a roster column and was ignored"),
     "la columna «{0}» no es una columna de la lista y se ignoró"),
    (re.compile(r"the column (\S+) appears twice \(also as '(.*)'\)"), "la columna {0} aparece dos veces (también como «{1}»)"),
    (re.compile(r"required column is missing \(a header named (.*)\)"),
     "falta una columna obligatoria (un encabezado llamado {0})"),
    (re.compile(r"unreadable CSV \((.*)\); nothing after it was read"), "CSV ilegible ({0}); no se leyó nada después"),
    (re.compile(r"(\d+) fields but the header has (\d+) columns"), "{0} campos, pero el encabezado tiene {1} columnas"),
    (re.compile(r"contains a control character \((.*)\)"), "contiene un carácter de control invisible ({0})"),
    (re.compile(r"too long \((\d+) characters; at most (\d+)\)"), "demasiado largo ({0} caracteres; máximo {1})"),
    (re.compile(r"required, cannot be empty"), "obligatorio: no puede estar vacío"),
    (re.compile(r"unknown nationality '(.*)' \(use an ISO code such as GT or the country's name in Spanish\)"),
     "nacionalidad desconocida «{0}» (use un código ISO como GT o el nombre del país en español)"),
    (re.compile(r"'(.*)' is not a date \(use YYYY-MM-DD or DD/MM/YYYY\)"),
     "«{0}» no es una fecha (use AAAA-MM-DD o DD/MM/AAAA)"),
    (re.compile(r"impossible date '(.*)'"), "fecha imposible «{0}»"),
    (re.compile(r"birth date (\S+) is in the future"), "la fecha de nacimiento {0} está en el futuro"),
    (re.compile(r"birth date (\S+) is more than (\d+) years ago"), "la fecha de nacimiento {0} es de hace más de {1} años"),
    (re.compile(r"age '(.*)' is not a whole number of years"), "la edad «{0}» no es un número entero de años"),
    (re.compile(r"age (\d+) is out of range \(0 to (\d+)\)"), "la edad {0} está fuera de rango (de 0 a {1})"),
    (re.compile(r"unknown status '(.*)' \(use .*\)"),
     "estado desconocido «{0}» (use sin confirmar, a salvo, hospitalizado, trasladado, liberado, retornado o "
     "fallecido, o sus códigos)"),
    (re.compile(r"status '(\w+)' needs a source: an unsourced status is unverified and would never be told to a "
                r"relative"),
     lambda m: f"el estado «{_STATUS.get(m.group(1), m.group(1))}» necesita una fuente: sin fuente no está "
               "verificado y nunca se comunicaría a un familiar"),
    (re.compile(r"'(.*)' is not an ISO 8601 date and time \(for example (.*)\)"),
     "«{0}» no es una fecha y hora ISO 8601 (por ejemplo {1})"),
    (re.compile(r"'(.*)' is in the future"), "«{0}» está en el futuro"),
    (re.compile(r"'(.*)' is not a yes/no value \(use 1/0, sí/no or true/false\)"),
     "«{0}» no es un valor sí/no (use 1/0, sí/no o true/false)"),
    (re.compile(r"names too long once normalised \(at most (\d+)\)"), "nombres demasiado largos una vez normalizados (máximo {0})"),
    (re.compile(r"duplicate external_id '(.*)' \(first on line (\d+)\)"), "external_id repetido «{0}» (primero en la línea {1})"),
    (re.compile(r"same names and birth date as line (\d+) and no external_id to tell them apart"),
     "los mismos nombres y fecha de nacimiento que la línea {0}, sin external_id que los distinga"),
    (re.compile(r"matches several recorded persons with the same names and birth date; give it an external_id"),
     "coincide con varias personas registradas con los mismos nombres y fecha de nacimiento: dele un external_id"),
    (re.compile(r"the file is not valid UTF-8; it was read as (.*)"), "el archivo no es UTF-8 válido; se leyó como {0}"),
    (re.compile(r"line (\d+): status left as recorded, verified later \((.*) UTC\) than this list's \((.*) UTC\)"),
     "línea {0}: el estado se deja como estaba, verificado más tarde ({1} UTC) que el de esta lista ({2} UTC)"),
    (re.compile(r"line (\d+): deceased not proposed: (.*)"), "línea {0}: el fallecimiento no se propuso: {1}"),
    (re.compile(r"line (\d+): deceased is not recorded by an import: it is a proposal(?: \(proposal (\d+)\))? that "
                r"another person must confirm .*"),
     lambda m: f"línea {m.group(1)}: un fallecimiento no se registra al importar: es una propuesta"
               f"{f' (n.º {m.group(2)})' if m.group(2) else ''} que otra persona debe confirmar (en la consola, la "
               "ficha de la persona)"),
    (re.compile(r"(UTF-8|Windows-1252 \(Latin-1\)|Latin-1)( with BOM)?, (comma|semicolon|tab)-separated"),
     lambda m: f"{m.group(1)}{' con BOM' if m.group(2) else ''}, separado por {_SEPARATORS[m.group(3)]}"),
]


def in_spanish(text: object) -> str:
    sentence = str(text)
    for pattern, spanish in RULES:
        match = pattern.fullmatch(sentence)
        if match is not None:
            return spanish(match) if callable(spanish) else spanish.format(*match.groups())
    return sentence


TEMPLATES.env.filters["es"] = in_spanish
