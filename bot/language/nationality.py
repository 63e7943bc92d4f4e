"""Nationality: ISO 3166 alpha-2 codes from country names and demonyms, Spanish and English.

Country names come from Babel's Spanish and English territory names (accent-folded); the model case
(Ciudad Juárez, 2023) adds the short and colloquial forms relatives use: "guate", "eeuu", chapín,
catracho, guanaco, tico, nica, pinolero. "veneco" is accepted because people write it, but it is
pejorative, so nothing here produces it: replies use ``spanish_country_name``.

Some country names are also given names or surnames (Salvador, Israel, Mauricio, Grecia, Kenia,
Francia, Montenegro...). Those count as a nationality only after a word that announces a place
("de", "del", "en", "from"...), so "busco a Salvador Pérez" is a name and "es del Salvador" is SV.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import lru_cache

import babel
from rapidfuzz import fuzz, process

from bot.language.normalize import Token, fold

# Babel territories that are regions, groupings or non-ISO pseudo-codes.
_NOT_ISO = {"EU", "EZ", "UN", "QO", "XA", "XB", "XK", "ZZ", "AC", "CP", "DG", "EA", "IC", "TA"}

# Territory names that are mostly something else for our relatives: towns, saints, a shirt size...
# ("Diego García", "Guadalupe", "Santa Elena", "Reunión", "Granada, Nicaragua"). Never a nationality.
_NEVER = {
    "guadalupe",
    "reunion",
    "granada",
    "jersey",
    "santa elena",
    "san martin",
    "dominica",
    "diego garcia",
    "man",
    "turkey",
    "us",
    "saint martin",
    "st martin",
    "st helena",
    "christmas island",
    "san bartolome",
    "bermudas",
    "cocos",
    "navidad",
    "georgia del sur",
}

# Country names that are also common given names or surnames (or ordinary words): accepted only
# after a place word (see module docstring).
_GUARDED = {
    "salvador",
    "israel",
    "mauricio",
    "grecia",
    "kenia",
    "francia",
    "india",
    "georgia",
    "chad",
    "jordan",
    "montenegro",
    "montserrat",
    "mali",
    "niger",
    "guinea",
    "china",
    "argentina",
    "armenia",
    "italia",
    "irlanda",
    "palestina",
    "oman",
    "iran",
    "samoa",
    "tonga",
    "malta",
    "belize",
    "austria",
    "nepal",
    "togo",
    "laos",
    "trinidad",
}

# Words after which a guarded country name is read as a place.
PLACE_WORDS = {
    "de",
    "del",
    "en",
    "desde",
    "from",
    "of",
    "in",
    "pais",
    "nacionalidad",
    "nationality",
    "country",
}
# Words after which a guarded demonym is read as a nationality ("es chino" but "el Chino").
COPULA_WORDS = PLACE_WORDS | {"es", "soy", "son", "era", "eres", "somos", "sea", "is", "am", "are", "was"}

# Short and colloquial forms not in Babel (folded). Multi-word keys are matched as phrases.
_EXTRA_NAMES: dict[str, str] = {
    "eeuu": "US",
    "ee uu": "US",
    "eua": "US",
    "usa": "US",
    "u s a": "US",
    "estados unidos de america": "US",
    "united states of america": "US",
    "los estados": "US",
    "gringolandia": "US",
    "el salvador": "SV",
    "salvador": "SV",
    "guate": "GT",
    "guatemala city": "GT",
    "mexico": "MX",
    "mejico": "MX",
    "mexico df": "MX",
    "republica dominicana": "DO",
    "rep dominicana": "DO",
    "santo domingo": "DO",
    "holanda": "NL",
    "inglaterra": "GB",
    "gran bretana": "GB",
    "escocia": "GB",
    "gales": "GB",
    "corea": "KR",
    "birmania": "MM",
    "myanmar": "MM",
    "hong kong": "HK",
    "macao": "MO",
    "costa de marfil": "CI",
    "republica checa": "CZ",
    "palestina": "PS",
    "timor oriental": "TL",
    "suazilandia": "SZ",
    "arabia saudita": "SA",
    "belize": "BZ",
    "brazil": "BR",
    "venezuela": "VE",
    "rd congo": "CD",
    "congo kinshasa": "CD",
    "trinidad": "TT",
    "puerto rico": "PR",
    "haiti": "HT",
}

# Demonyms: masculine singular form -> code. Forms in -o/-a get o, a, os, as; forms in -e get -es;
# forms ending in a consonant (chapín, español, alemán, inglés) get -a, -es, -as.
_DEMONYM_STEMS: dict[str, str] = {
    "guatemalteco": "GT",
    "hondureno": "HN",
    "salvadoreno": "SV",
    "venezolano": "VE",
    "colombiano": "CO",
    "ecuatoriano": "EC",
    "mexicano": "MX",
    "mejicano": "MX",
    "nicaraguense": "NI",
    "cubano": "CU",
    "haitiano": "HT",
    "peruano": "PE",
    "dominicano": "DO",
    "costarricense": "CR",
    "costarriqueno": "CR",
    "panameno": "PA",
    "boliviano": "BO",
    "chileno": "CL",
    "argentino": "AR",
    "brasileno": "BR",
    "brasilero": "BR",
    "estadounidense": "US",
    "norteamericano": "US",
    "uruguayo": "UY",
    "paraguayo": "PY",
    "beliceno": "BZ",
    "puertorriqueno": "PR",
    "jamaiquino": "JM",
    "canadiense": "CA",
    "guyanes": "GY",
    "surinames": "SR",
    "espanol": "ES",
    "aleman": "DE",
    "frances": "FR",
    "ingles": "GB",
    "italiano": "IT",
    "portugues": "PT",
    "ruso": "RU",
    "ucraniano": "UA",
    "chino": "CN",
    "indio": "IN",
    "senegales": "SN",
    "camerunes": "CM",
    "ghanes": "GH",
    "nigeriano": "NG",
    "congoleno": "CD",
    "angoleno": "AO",
    "eritreo": "ER",
    "etiope": "ET",
    "somali": "SO",
    "afgano": "AF",
    "turco": "TR",
    "bangladesi": "BD",
    "pakistani": "PK",
    "nepali": "NP",
    "uzbeko": "UZ",
    "mauritano": "MR",
    "guineano": "GN",
    "marroqui": "MA",
    "argelino": "DZ",
    "egipcio": "EG",
    "sirio": "SY",
    # colloquial
    "chapin": "GT",
    "catracho": "HN",
    "guanaco": "SV",
    "tico": "CR",
    "nica": "NI",
    "pinolero": "NI",
    "veneco": "VE",
    "boricua": "PR",
    "gringo": "US",
    "quisqueyano": "DO",
    "canalero": "PA",
}

# Demonyms that are too often something else to be read without a place context: "chino" (curly
# hair, a nickname), "indio", "ruso", "turco" (nicknames), "gringo" (any foreigner), "ingles" (the
# language, "habla inglés").
_GUARDED_DEMONYMS = {
    "chino",
    "china",
    "indio",
    "india",
    "ruso",
    "rusa",
    "turco",
    "turca",
    "gringo",
    "gringa",
    "ingles",
    "inglesa",
    "frances",
    "francesa",
    "aleman",
    "alemana",
    "italiano",
    "italiana",
    "portugues",
    "portuguesa",
}

_ENGLISH_DEMONYMS: dict[str, str] = {
    "guatemalan": "GT",
    "honduran": "HN",
    "salvadoran": "SV",
    "salvadorean": "SV",
    "salvadorian": "SV",
    "venezuelan": "VE",
    "colombian": "CO",
    "ecuadorian": "EC",
    "ecuadorean": "EC",
    "mexican": "MX",
    "nicaraguan": "NI",
    "cuban": "CU",
    "haitian": "HT",
    "peruvian": "PE",
    "dominican": "DO",
    "costa rican": "CR",
    "panamanian": "PA",
    "bolivian": "BO",
    "chilean": "CL",
    "argentine": "AR",
    "argentinian": "AR",
    "brazilian": "BR",
    "american": "US",
    "uruguayan": "UY",
    "paraguayan": "PY",
    "belizean": "BZ",
    "puerto rican": "PR",
    "jamaican": "JM",
    "canadian": "CA",
}


def _demonym_forms(masc: str) -> list[str]:
    if masc.endswith("o"):
        stem = masc[:-1]
        return [masc, stem + "a", stem + "os", stem + "as"]
    if masc.endswith("e"):
        return [masc, masc + "s"]
    if masc.endswith(("i", "u")):  # marroquí, somalí: -es plural
        return [masc, masc + "es", masc + "s"]
    if masc.endswith("a"):  # nica, boricua: invariable in gender
        return [masc, masc + "s"]
    # consonant: chapín -> chapina, chapines, chapinas; español -> española...
    return [masc, masc + "a", masc + "es", masc + "as"]


@dataclass(frozen=True, slots=True)
class Found:
    code: str
    start: int  # token index
    end: int  # token index, exclusive
    guarded: bool


def _build() -> tuple[dict[str, str], set[str]]:
    table: dict[str, str] = {}
    guarded: set[str] = set(_GUARDED) | _GUARDED_DEMONYMS
    for locale in ("en", "es"):  # Spanish last: it wins where both name the same words
        for code, name in babel.Locale(locale).territories.items():
            if len(code) != 2 or not code.isalpha() or code in _NOT_ISO:
                continue
            table[fold(name)] = code
    table.update(_EXTRA_NAMES)
    for masc, code in _DEMONYM_STEMS.items():
        for form in _demonym_forms(masc):
            table[form] = code
    table.update(_ENGLISH_DEMONYMS)
    for word in _NEVER:
        table.pop(word, None)
    return table, guarded


NAMES, _GUARDED_ALL = _build()
_GUARDED_DEMONYM_FORMS = _GUARDED_ALL & {f for m in _DEMONYM_STEMS for f in _demonym_forms(m)}
_MAX_WORDS = max(len(k.split()) for k in NAMES)

# Fuzzy fallback for the countries of the model case and their neighbours (typos like "guatemalteko",
# "venesolano", "hondurenio", "salbadoreño"); only for long words, never for guarded ones.
_FUZZY_CODES = {"GT", "HN", "SV", "VE", "CO", "EC", "MX", "NI", "CU", "HT", "PE", "DO", "CR", "PA"}
_FUZZY_TARGETS = {
    form: code
    for masc, code in _DEMONYM_STEMS.items()
    if code in _FUZZY_CODES
    for form in _demonym_forms(masc)
    if len(form) >= 7 and form not in _GUARDED_ALL
}
_FUZZY_TARGETS.update(
    (fold(name), code) for code, name in babel.Locale("es").territories.items() if code in _FUZZY_CODES
)
_FUZZY_TARGETS = {k: v for k, v in _FUZZY_TARGETS.items() if " " not in k and len(k) >= 7}
_FUZZY_KEYS = list(_FUZZY_TARGETS)


@lru_cache(maxsize=4096)
def _fuzzy(word: str) -> str | None:
    hit = process.extractOne(word, _FUZZY_KEYS, scorer=fuzz.ratio, score_cutoff=87)
    return _FUZZY_TARGETS[hit[0]] if hit else None


def country_code(text: str) -> str | None:
    """The ISO code for a text that is only a country name or demonym ("Guatemala", "catracha")."""
    key = fold(text)
    return NAMES.get(key) or (_fuzzy(key) if 7 <= len(key) <= 20 and key not in NAMES else None)


def find_nationalities(
    tokens: list[Token], skip: Collection[str] = frozenset(), fuzzy_ok: Callable[[str], bool] | None = None
) -> list[Found]:
    """Every nationality mention in the token list, longest phrase first at each position.

    ``skip`` holds folded words known to be something else here (e.g. given names); ``fuzzy_ok``
    tells whether a word may be typo-matched (the caller excludes known Spanish words).
    """
    words = [t.folded for t in tokens]
    found: list[Found] = []
    i = 0
    n = len(words)
    while i < n:
        hit = None
        for size in range(min(_MAX_WORDS, n - i), 0, -1):
            key = " ".join(words[i : i + size])
            code = NAMES.get(key)
            if code is None:
                continue
            if key in _GUARDED_ALL:
                prev = words[i - 1] if i else ""
                context = COPULA_WORDS if key in _GUARDED_DEMONYM_FORMS else PLACE_WORDS
                if prev not in context:
                    continue
            hit = Found(code, i, i + size, key in _GUARDED_ALL)
            break
        if (
            hit is None
            and 7 <= len(words[i]) <= 20
            and not tokens[i].is_digit
            and words[i] not in skip
            and words[i] not in NAMES  # a guarded name that failed its context stays unmatched
        ):
            if fuzzy_ok is None or fuzzy_ok(words[i]):
                code = _fuzzy(words[i])
                if code:
                    hit = Found(code, i, i + 1, False)
        if hit:
            found.append(hit)
            i = hit.end
        else:
            i += 1
    return found


@lru_cache(maxsize=512)
def spanish_country_name(code: str) -> str:
    """The Spanish name of a country for replies ("GT" -> "Guatemala"); the code if unknown."""
    return babel.Locale("es").territories.get(code.upper(), code.upper())
