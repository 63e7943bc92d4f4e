"""Utterance -> understood details, as relatives write them. All names and data are fictional.

Each case states the details the message carries; every detail it does not state must come out
empty (a spurious name or age is as wrong as a missing one). "Today" is fixed so that two-digit
years and ages do not drift.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.language import Command, parse_message

TODAY = date(2026, 1, 15)

# Fields compared strictly: absent from a case means "must be None".
STRICT = (
    "name",
    "nationality",
    "birth_date",
    "birth_year",
    "age",
    "relationship",
    "command",
    "case_code",
    "relative_name",
)
# Fields compared only when a case names them.
OPTIONAL = (
    "answer",
    "is_correction",
    "corrected",
    "greeting",
    "language",
    "sought_gender",
    "age_approximate",
    "name_rejected",
    "order",
    "tokens",
    "nationality_rejected",
    "thanks",
    "new_search",
)


def check(text: str, expected: dict) -> None:
    u = parse_message(text, today=TODAY)
    got = {
        "name": u.name.raw if u.name else None,
        "order": u.name.order_hint if u.name else None,
        "tokens": u.name.tokens if u.name else None,
        **{f: getattr(u, f) for f in STRICT + OPTIONAL if f not in ("name", "order", "tokens")},
    }
    for field in STRICT:
        assert got[field] == expected.get(field), f"{field} of {text!r}: {got[field]!r}"
    for field in OPTIONAL:
        if field in expected:
            assert got[field] == expected[field], f"{field} of {text!r}: {got[field]!r}"


D = date
NAMES = [
    (
        "Busco a mi hermano José Luis Hernández García",
        {
            "name": "José Luis Hernández García",
            "relationship": "sibling",
            "sought_gender": "m",
            "order": "given_first",
        },
    ),
    (
        "HERNANDEZ GARCIA JOSE LUIS",
        {
            "name": "HERNANDEZ GARCIA JOSE LUIS",
            "order": "surnames_first",
            "tokens": ("hernandez", "garcia", "jose", "luis"),
        },
    ),
    ("HERNANDEZ GARCIA, JOSE LUIS", {"name": "HERNANDEZ GARCIA, JOSE LUIS", "order": "surnames_first"}),
    ("jose luis hernandez", {"name": "jose luis hernandez", "order": "given_first"}),
    ("se llama Chuy Martinez", {"name": "Chuy Martinez", "tokens": ("chuy", "martinez")}),
    ("Pedro de la Cruz", {"name": "Pedro de la Cruz", "tokens": ("pedro", "de", "la", "cruz")}),
    ("Juan del Valle Pérez", {"name": "Juan del Valle Pérez", "tokens": ("juan", "del", "valle", "perez")}),
    ("busco a Pérez", {"name": "Pérez"}),
    ("Jose Hernandes", {"name": "Jose Hernandes", "tokens": ("jose", "hernandes")}),
    ("Wilmer Orellana", {"name": "Wilmer Orellana"}),
    (
        "mi hijo se llama Brayan Alexander Mejía López",
        {"name": "Brayan Alexander Mejía López", "relationship": "parent", "sought_gender": "m"},
    ),
    ("su nombre es Marvin Estuardo Coc", {"name": "Marvin Estuardo Coc"}),
    ("el nombre de mi esposo es Edwin Xicará", {"name": "Edwin Xicará", "relationship": "spouse"}),
    ("Nombre completo: Kevin Josué Ramírez Pineda", {"name": "Kevin Josué Ramírez Pineda"}),
    ("hola busco a Pepe Gomez", {"name": "Pepe Gomez", "greeting": True}),
    ("Busco a Salvador Hernández", {"name": "Salvador Hernández"}),
    ("Buscamos a Israel Gómez", {"name": "Israel Gómez"}),
    ("Mauricio Montenegro", {"name": "Mauricio Montenegro"}),
    ("busco a María de los Ángeles Cruz", {"name": "María de los Ángeles Cruz"}),
    ("Busco a mi papá Mario Rojas Ríos", {"name": "Mario Rojas Ríos", "relationship": "child"}),
    ("José Pérez-Gómez", {"name": "José Pérez-Gómez", "tokens": ("jose", "perez", "gomez")}),
    ("José L. Hernández", {"name": "José L. Hernández"}),
    ("busco a Don José Ramírez", {"name": "José Ramírez"}),
    ("Busco información de Oscar Armando Lemus 🙏🙏", {"name": "Oscar Armando Lemus"}),
    (
        "por favor necesito saber de mi primo Elmer Choc",
        {"name": "Elmer Choc", "relationship": "cousin", "sought_gender": "m"},
    ),
    ("Estoy buscando a Nery Mazariegos que estaba en Ciudad Juárez", {"name": "Nery Mazariegos"}),
    ("Mi hermano Juárez López estaba en Juárez", {"name": "Juárez López", "relationship": "sibling"}),
    (
        "ESTOY BUSCANDO A MI HIJO BRAYAN ALEXANDER MEJIA",
        {"name": "BRAYAN ALEXANDER MEJIA", "relationship": "parent"},
    ),
    ("quiero informacion sobre lalo gutierrez", {"name": "lalo gutierrez"}),
    ("se llama Memo", {"name": "Memo", "tokens": ("memo",)}),
    ("Luis", {"name": "Luis", "order": "given_first"}),
    ("Gonzalez", {"name": "Gonzalez", "order": "unknown"}),
    (
        "busco a mi tío Rigoberto Tzul",
        {"name": "Rigoberto Tzul", "relationship": "nephew_niece", "sought_gender": "m"},
    ),
    ("busco a mi esposo, se llama Wilson Caal Pop", {"name": "Wilson Caal Pop", "relationship": "spouse"}),
    ("Mi hermana y yo buscamos a nuestro primo Kevin", {"name": "Kevin", "relationship": "cousin"}),
    (
        "mi mamá se llama Rosa María de los Ángeles Cruz",
        {"name": "Rosa María de los Ángeles Cruz", "relationship": "child", "sought_gender": "f"},
    ),
    (
        "Buenas tardes, quisiera saber si tienen información de Edgar Mejía, por favor",
        {"name": "Edgar Mejía", "greeting": True},
    ),
    (
        "Estoy muy preocupada por mi hijo Jonathan Sandoval, no sabemos nada",
        {"name": "Jonathan Sandoval", "relationship": "parent"},
    ),
    ("busco a mi hermano Ángel Núñez 😢😢", {"name": "Ángel Núñez", "relationship": "sibling"}),
    ("BUSCO A WALTER ESCOBAR DE HONDURAS", {"name": "WALTER ESCOBAR", "nationality": "HN"}),
    ("Hernández García José Luis", {"name": "Hernández García José Luis", "order": "surnames_first"}),
]

NATIONALITIES = [
    ("es guatemalteco", {"nationality": "GT"}),
    ("guatemalteca", {"nationality": "GT"}),
    ("Es hondureña", {"nationality": "HN"}),
    ("hondureño", {"nationality": "HN"}),
    ("salvadoreño", {"nationality": "SV"}),
    ("Es salvadoreña", {"nationality": "SV"}),
    ("venezolana", {"nationality": "VE"}),
    ("es venezolano", {"nationality": "VE"}),
    ("colombiano", {"nationality": "CO"}),
    ("ecuatoriana", {"nationality": "EC"}),
    ("ecuatoriano", {"nationality": "EC"}),
    ("mexicano", {"nationality": "MX"}),
    ("nicaragüense", {"nationality": "NI"}),
    ("nicaraguense", {"nationality": "NI"}),
    ("cubana", {"nationality": "CU"}),
    ("haitiano", {"nationality": "HT"}),
    ("peruano", {"nationality": "PE"}),
    ("dominicana", {"nationality": "DO"}),
    ("costarricense", {"nationality": "CR"}),
    ("panameño", {"nationality": "PA"}),
    ("es chapín", {"nationality": "GT"}),
    ("chapina", {"nationality": "GT"}),
    ("son chapines", {"nationality": "GT"}),
    ("catracho", {"nationality": "HN"}),
    ("catracha", {"nationality": "HN"}),
    ("guanaco", {"nationality": "SV"}),
    ("es guanaca", {"nationality": "SV"}),
    ("tico", {"nationality": "CR"}),
    ("es nica", {"nationality": "NI"}),
    ("pinolero", {"nationality": "NI"}),
    ("veneco", {"nationality": "VE"}),
    ("de Guatemala", {"nationality": "GT"}),
    ("Honduras", {"nationality": "HN"}),
    ("es de El Salvador", {"nationality": "SV"}),
    ("es del salvador", {"nationality": "SV"}),
    ("Venezuela", {"nationality": "VE"}),
    ("viene de méxico", {}),  # a journey, not a nationality (SPEC 5 rule 3)
    ("EEUU", {"nationality": "US"}),
    ("es de Estados Unidos", {"nationality": "US"}),
    ("de guate", {"nationality": "GT"}),
    ("guatemalteko", {"nationality": "GT"}),
    ("venesolano", {"nationality": "VE"}),
    ("Republica Dominicana", {"nationality": "DO"}),
    ("GUATEMALA", {"nationality": "GT"}),
    ("he is guatemalan", {"nationality": "GT", "language": "en"}),
    ("Venezuelan", {"nationality": "VE"}),
    ("from Honduras", {"nationality": "HN", "language": "en"}),
]

DATES = [
    ("3 de mayo de 1996", {"birth_date": D(1996, 5, 3)}),
    ("3 de mayo del 96", {"birth_date": D(1996, 5, 3)}),
    ("03/05/1996", {"birth_date": D(1996, 5, 3)}),
    ("3-5-96", {"birth_date": D(1996, 5, 3)}),
    ("3.5.1996", {"birth_date": D(1996, 5, 3)}),
    ("1996-05-03", {"birth_date": D(1996, 5, 3)}),
    ("nació el 3 de mayo de 1996", {"birth_date": D(1996, 5, 3)}),
    ("nacio el 12 de sept de 1990", {"birth_date": D(1990, 9, 12)}),
    ("12 de setiembre de 1990", {"birth_date": D(1990, 9, 12)}),
    ("15 dic 1988", {"birth_date": D(1988, 12, 15)}),
    ("1 de enero del 2001", {"birth_date": D(2001, 1, 1)}),
    ("1ro de abril de 1985", {"birth_date": D(1985, 4, 1)}),
    ("primero de junio de 1979", {"birth_date": D(1979, 6, 1)}),
    ("tres de marzo de 1999", {"birth_date": D(1999, 3, 3)}),
    ("5 de novienbre de 1993", {"birth_date": D(1993, 11, 5)}),
    ("20 febreo 1991", {"birth_date": D(1991, 2, 20)}),
    ("fecha de nacimiento: 23/11/04", {"birth_date": D(2004, 11, 23)}),
    ("mayo 3, 1996", {"birth_date": D(1996, 5, 3)}),
    ("May 3rd 1996", {"birth_date": D(1996, 5, 3)}),
    ("31/02/1996", {}),
    ("30 de febrero de 1990", {}),
    ("05/23/1996", {"birth_date": D(1996, 5, 23)}),
    ("7/8/1970", {"birth_date": D(1970, 8, 7)}),
    ("nació en 1995", {"birth_year": 1995}),
    ("es del 96", {"birth_year": 1996}),
    ("nacido en el 88", {"birth_year": 1988}),
    ("1992", {"birth_year": 1992}),
    ("born in 1990", {"birth_year": 1990}),
    ("lo detuvieron el 27/03/2023", {}),
    ("el 27 de marzo", {}),
    ("3 de mayo", {}),
    ("nació el 3 de mayo de 1996, tiene 29 años", {"birth_date": D(1996, 5, 3), "age": 29}),
]

AGES = [
    ("27 años", {"age": 27}),
    ("tiene 27", {"age": 27}),
    ("tiene 27 años", {"age": 27}),
    ("veintisiete años", {"age": 27}),
    ("veintidós años", {"age": 22}),
    ("veintidos años", {"age": 22}),
    ("tiene veintitres", {"age": 23}),
    ("veintiseis años", {"age": 26}),
    ("treinta y dos años", {"age": 32}),
    ("tiene cuarenta y cinco años", {"age": 45}),
    ("edad 40", {"age": 40}),
    ("edad: 40", {"age": 40}),
    ("como 30 años", {"age": 30, "age_approximate": True}),
    ("tiene unos 35", {"age": 35, "age_approximate": True}),
    ("más o menos 50 años", {"age": 50, "age_approximate": True}),
    ("27", {"age": 27}),
    ("dieciocho", {"age": 18}),
    ("27años", {"age": 27}),
    ("40 años de edad", {"age": 40}),
    ("he is 27 years old", {"age": 27, "language": "en"}),
    ("age 33", {"age": 33}),
    ("hace 20 años que se fue", {}),
    ("lleva 15 años en Estados Unidos", {}),  # where he lives, not his nationality
    ("tiene 30 días detenido", {}),
    ("mi teléfono es 55 1234 5678", {}),
    ("+52 656 123 4567", {}),
    ("tiene 2 hijos", {}),
    ("1996", {"birth_year": 1996}),
]

RELATIONSHIPS = [
    ("soy su madre", {"relationship": "mother"}),
    ("soy la madre", {"relationship": "mother"}),
    ("soy su mamá", {"relationship": "mother"}),
    ("soy su papá", {"relationship": "father"}),
    ("soy la esposa de Juan Pérez", {"relationship": "spouse", "name": "Juan Pérez"}),
    ("soy su hermana", {"relationship": "sibling"}),
    ("mi hermano", {"relationship": "sibling", "sought_gender": "m"}),
    ("busco a mi hijo", {"relationship": "parent", "sought_gender": "m"}),
    ("busco a mi hija", {"relationship": "parent", "sought_gender": "f"}),
    ("mi esposo", {"relationship": "spouse", "sought_gender": "m"}),
    ("mi marido", {"relationship": "spouse"}),
    ("mi mujer", {"relationship": "spouse", "sought_gender": "f"}),
    ("mi pareja", {"relationship": "spouse"}),
    ("mi papá", {"relationship": "child", "sought_gender": "m"}),
    ("mi mami", {"relationship": "child", "sought_gender": "f"}),
    ("mi primo", {"relationship": "cousin"}),
    ("mi tía", {"relationship": "nephew_niece", "sought_gender": "f"}),
    ("mi sobrino", {"relationship": "uncle_aunt"}),
    ("mi abuelo", {"relationship": "grandchild"}),
    ("mi cuñado", {"relationship": "in_law"}),
    ("mi suegro", {"relationship": "in_law"}),
    ("mi novio", {"relationship": "partner"}),
    ("mi amigo", {"relationship": "friend"}),
    ("hermana", {"relationship": "sibling"}),
    ("su esposa", {"relationship": "spouse"}),
    ("soy mujer", {}),
    ("busco a mi querido hermano", {"relationship": "sibling"}),
    ("busco a mijo", {"relationship": "parent", "sought_gender": "m"}),
    ("I'm his mother", {"relationship": "mother", "language": "en"}),
    ("my brother", {"relationship": "sibling", "language": "en"}),
    ("me llamo Ana", {"relative_name": "Ana"}),
    ("soy Ana López", {"relative_name": "Ana López"}),
    ("mi nombre es Ana", {"relative_name": "Ana"}),
    (
        "Soy Ana López, busco a mi esposo Juan Pérez",
        {"relative_name": "Ana López", "name": "Juan Pérez", "relationship": "spouse"},
    ),
    ("me llamo ana y busco a mi hermano", {"relative_name": "ana", "relationship": "sibling"}),
    ("Le habla Rosa Coc, mamá de Kevin Coc", {"relative_name": "Rosa Coc", "name": "Kevin Coc"}),
    (
        "My name is Ana, I am looking for my brother Jose Hernandez",
        {"relative_name": "Ana", "name": "Jose Hernandez", "relationship": "sibling", "language": "en"},
    ),
]

COMMANDS = [
    ("AYUDA", {"command": Command.HELP}),
    ("ayuda por favor", {"command": Command.HELP}),
    ("MENÚ", {"command": Command.MENU}),
    ("menu", {"command": Command.MENU}),
    ("CASO JRZ-4F7K", {"command": Command.CASE, "case_code": "JRZ-4F7K"}),
    ("caso jrz-4f7k", {"command": Command.CASE, "case_code": "JRZ-4F7K"}),
    ("caso jrz 4f7k", {"command": Command.CASE, "case_code": "JRZ-4F7K"}),
    ("jrz 4f7k", {"command": Command.CASE, "case_code": "JRZ-4F7K"}),
    ("JRZ-4F7K", {"command": Command.CASE, "case_code": "JRZ-4F7K"}),
    ("mi código es JRZ-4F7K", {"command": Command.CASE, "case_code": "JRZ-4F7K"}),
    ("caso", {"command": Command.CASE}),
    ("/caso JRZ-4F7K", {"command": Command.CASE, "case_code": "JRZ-4F7K"}),
    ("/caso", {"command": Command.CASE}),
    ("/start", {"command": Command.START}),
    ("/ayuda", {"command": Command.HELP}),
    ("/humano", {"command": Command.HUMAN}),
    ("/ayuda@LineaFamiliaresBot", {"command": Command.HELP}),
    ("PERSONA", {"command": Command.HUMAN}),
    ("humano", {"command": Command.HUMAN}),
    ("OPERADOR", {"command": Command.HUMAN}),
    ("agente", {"command": Command.HUMAN}),
    ("quiero hablar con una persona", {"command": Command.HUMAN}),
    ("Necesito hablar con alguien por favor", {"command": Command.HUMAN}),
    ("I want to talk to a person", {"command": Command.HUMAN, "language": "en"}),
    ("SÍ", {"command": Command.YES, "answer": "yes"}),
    ("si", {"command": Command.YES, "answer": "yes"}),
    ("sí", {"command": Command.YES, "answer": "yes"}),
    ("si por favor", {"command": Command.YES, "answer": "yes"}),
    ("claro", {"command": Command.YES, "answer": "yes"}),
    ("ok", {"command": Command.YES, "answer": "yes"}),
    ("👍", {"command": Command.YES, "answer": "yes"}),
    ("NO", {"command": Command.NO, "answer": "no"}),
    ("no gracias", {"command": Command.NO, "answer": "no", "thanks": True}),
    ("BAJA", {"command": Command.OPT_OUT}),
    ("STOP", {"command": Command.OPT_OUT}),
    ("alto", {"command": Command.OPT_OUT}),
    ("cancelar", {"command": Command.OPT_OUT}),
    ("quiero darme de baja", {"command": Command.OPT_OUT}),
    ("ya no me manden mas mensajes", {"command": Command.OPT_OUT}),
    ("NUEVA", {"command": Command.NEW_SEARCH}),
    ("otra persona", {"command": Command.NEW_SEARCH}),
    ("quiero buscar a otra persona", {"command": Command.NEW_SEARCH}),
    ("hola", {"greeting": True}),
    ("buenas tardes", {"greeting": True}),
    ("Buenos días", {"greeting": True}),
    ("gracias", {"thanks": True}),
    ("busco a una persona", {}),
    ("necesito ayuda para encontrar a mi hijo", {"relationship": "parent"}),
    ("es alto y flaco", {}),
    ("Sí, es mi hermano", {"answer": "yes", "relationship": "sibling"}),
    ("si me pueden ayudar", {}),
]

CORRECTIONS = [
    (
        "no, es Luis, no José",
        {"name": "Luis", "is_correction": True, "corrected": frozenset({"name"}), "name_rejected": ("jose",)},
    ),
    ("no es José, es Luis", {"name": "Luis", "is_correction": True, "name_rejected": ("jose",)}),
    ("perdón, se llama Luis", {"name": "Luis", "is_correction": True, "corrected": frozenset({"name"})}),
    (
        "me equivoqué, nació en 1995",
        {"birth_year": 1995, "is_correction": True, "corrected": frozenset({"birth_year"})},
    ),
    (
        "no es guatemalteco, es hondureño",
        {
            "nationality": "HN",
            "nationality_rejected": "GT",
            "is_correction": True,
            "corrected": frozenset({"nationality"}),
        },
    ),
    ("No, es hondureño", {"nationality": "HN", "is_correction": True, "answer": "no"}),
    ("no tiene 30, tiene 31", {"age": 31, "is_correction": True, "corrected": frozenset({"age"})}),
    (
        "mejor dicho nació el 4 de mayo de 1996",
        {"birth_date": D(1996, 5, 4), "is_correction": True, "corrected": frozenset({"birth_date"})},
    ),
    ("perdón que lo moleste, busco a Juan Pérez", {"name": "Juan Pérez", "is_correction": False}),
    ("Busco a Juan Pérez", {"name": "Juan Pérez", "is_correction": False}),
    ("sorry, I meant Jose", {"name": "Jose", "is_correction": True}),
]

MULTI = [
    (
        "Busco a mi hermano Jose Luis Hernandez Garcia, guatemalteco, nacio el 3 de mayo del 96",
        {
            "name": "Jose Luis Hernandez Garcia",
            "nationality": "GT",
            "birth_date": D(1996, 5, 3),
            "relationship": "sibling",
            "sought_gender": "m",
        },
    ),
    (
        "hola buenas noches disculpe la molestia estoy buscando a mi esposo "
        "se llama Wilmer Orellana Pop es de guatemala tiene 28 años",
        {
            "name": "Wilmer Orellana Pop",
            "nationality": "GT",
            "age": 28,
            "relationship": "spouse",
            "greeting": True,
        },
    ),
    (
        "Es venezolano, se llama Carlos Eduardo Pérez, 35 años",
        {"name": "Carlos Eduardo Pérez", "nationality": "VE", "age": 35},
    ),
    (
        "ESTOY BUSCANDO A MI HIJO BRAYAN ALEXANDER MEJIA, NACIO EL 12/08/2001",
        {"name": "BRAYAN ALEXANDER MEJIA", "birth_date": D(2001, 8, 12), "relationship": "parent"},
    ),
    (
        "Busco a mi papá Mario Rojas Ríos, salió hace 3 meses de Honduras y estaba en la estación migratoria",
        {"name": "Mario Rojas Ríos", "relationship": "child"},  # "salió de Honduras": a journey
    ),
    (
        "Soy Ana López, busco a mi esposo Juan Pérez, tiene 32 años, es hondureño",
        {
            "relative_name": "Ana López",
            "name": "Juan Pérez",
            "age": 32,
            "nationality": "HN",
            "relationship": "spouse",
        },
    ),
    (
        "mi hermano se llama Kevin Coc tiene veintiseis años y es de Guatemala",
        {"name": "Kevin Coc", "age": 26, "nationality": "GT", "relationship": "sibling"},
    ),
    (
        "hernandez garcia jose luis 03/05/1996 guatemala",
        {
            "name": "hernandez garcia jose luis",
            "birth_date": D(1996, 5, 3),
            "nationality": "GT",
            "order": "surnames_first",
        },
    ),
    (
        "Hi, I am looking for my brother Jose Hernandez, he is 27 years old, Guatemalan",
        {
            "name": "Jose Hernandez",
            "age": 27,
            "relationship": "sibling",
            "nationality": "GT",
            "language": "en",
            "greeting": True,
        },
    ),
    (
        "quiero hablar con una persona sobre mi hermano José Pérez",
        {"command": Command.HUMAN, "name": "José Pérez", "relationship": "sibling"},
    ),
    (
        "CASO JRZ-4F7K de mi hijo Marvin",
        {"command": Command.CASE, "case_code": "JRZ-4F7K", "name": "Marvin", "relationship": "parent"},
    ),
    (
        "también busco a otra persona, mi primo Elmer Choc",
        {"new_search": True, "name": "Elmer Choc", "relationship": "cousin"},
    ),
    (
        "Mi hijo, Jonathan Sandoval, 19 años, hondureño, por favor ayúdenme",
        {"name": "Jonathan Sandoval", "age": 19, "nationality": "HN", "relationship": "parent"},
    ),
]

NOTHING = [
    ("", {}),
    ("   ", {}),
    ("?", {"command": Command.HELP}),
    ("😢😢😢", {}),
    ("...", {}),
    ("Ya no sabemos nada de él desde el lunes, por favor ayúdenme", {}),
    ("hace 20 años que se fue", {}),
    ("'; DROP TABLE persons; --", {}),
    ("Utz awach, in kintzukuj ri nuchaq' xe'el pa Juárez", {"language": "other"}),
    ("\x00\x01hola\x7f", {"greeting": True}),
]

ALL = NAMES + NATIONALITIES + DATES + AGES + RELATIONSHIPS + COMMANDS + CORRECTIONS + MULTI + NOTHING


@pytest.mark.parametrize(("text", "expected"), ALL, ids=[t[:40] or "<empty>" for t, _ in ALL])
def test_utterance_is_understood(text: str, expected: dict) -> None:
    check(text, expected)


def test_there_are_at_least_150_cases() -> None:
    assert len(ALL) >= 150
