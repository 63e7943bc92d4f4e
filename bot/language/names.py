"""The sought person's name in free text, as written, plus the nickname table used by the matcher.

What is a name is decided by elimination: every token that is an ordinary word (lexicon.py), a
relationship word, a number, or already read as a date, age, nationality or command is removed; the
remaining runs of words are name candidates. "de", "del", "de la", "de los" stay when they join two
name words ("Pedro de la Cruz", "Juan del Valle Pérez"). The candidate after an announcing phrase
("se llama", "mi hermano", "busco a") wins over a bare one; a run after "en"/"ciudad" is a place.

Tokens are returned in the order written: "HERNANDEZ GARCIA JOSE LUIS" stays in that order with
``order_hint='surnames_first'`` (a guess from common given names), because the matcher scores both
orders and a silent reorder would hide what the relative typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.language.commands import _FILLER as _COMMAND_FILLER
from bot.language.corrections import is_negated
from bot.language.lexicon import (
    COMMON_GIVEN_NAMES,
    COMMON_SURNAMES,
    COMMON_WORDS,
    DOMAIN_WORDS,
    ENGLISH_WORDS,
    EVENT_WORDS,
    FUNCTION_WORDS,
)
from bot.language.normalize import Token, fold, fold_word
from bot.language.numbers import NUMBER_WORDS
from bot.language.relationship import SELF_NAME_TRIGGERS
from bot.language.relationship import WORDS as RELATIONSHIP_WORDS
from bot.language.relationship import lookup as relationship_lookup


def _nick(table: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    # Values keep their spaces ("jose maria"): the matcher compares them with fold()ed given names.
    return {fold_word(k): tuple(fold(v) for v in vs) for k, vs in table.items()}


# Folded nickname -> folded given names it stands for (Mexico and Central America).
NICKNAMES: dict[str, tuple[str, ...]] = _nick(
    {
        "chuy": ("jesús",),
        "chucho": ("jesús",),
        "chuchito": ("jesús",),
        "jesusito": ("jesús",),
        "pepe": ("josé",),
        "pepito": ("josé",),
        "chepe": ("josé",),
        "chepito": ("josé",),
        "cheo": ("josé",),
        "josecito": ("josé",),
        "joselito": ("josé", "josé luis"),
        "cheluis": ("josé luis",),
        "chema": ("josé maría",),
        "josema": ("josé maría",),
        "lupe": ("guadalupe",),
        "lupita": ("guadalupe",),
        "pita": ("guadalupe",),
        "memo": ("guillermo",),
        "guille": ("guillermo",),
        "willy": ("guillermo", "william", "wilfredo"),
        "paco": ("francisco",),
        "pancho": ("francisco",),
        "panchito": ("francisco",),
        "quico": ("francisco",),
        "kiko": ("francisco", "enrique"),
        "frank": ("francisco",),
        "chico": ("francisco",),
        "curro": ("francisco",),
        "nacho": ("ignacio",),
        "lalo": ("eduardo",),
        "edu": ("eduardo",),
        "beto": ("alberto", "roberto", "humberto", "norberto", "gilberto", "heriberto"),
        "tito": ("alberto", "roberto", "héctor", "ernesto"),
        "quique": ("enrique",),
        "kike": ("enrique",),
        "toño": ("antonio",),
        "tono": ("antonio",),
        "toñito": ("antonio",),
        "tonio": ("antonio",),
        "poncho": ("alfonso",),
        "rafa": ("rafael",),
        "rafita": ("rafael",),
        "manolo": ("manuel",),
        "manu": ("manuel",),
        "meño": ("manuel",),
        "goyo": ("gregorio",),
        "licho": ("luis",),
        "lucho": ("luis",),
        "wicho": ("luis",),
        "güicho": ("luis",),
        "neto": ("ernesto",),
        "tavo": ("gustavo", "octavio"),
        "tavito": ("gustavo",),
        "chava": ("salvador",),
        "chavita": ("salvador",),
        "chalo": ("gonzalo", "rosalío"),
        "chente": ("vicente",),
        "chencho": ("crescencio", "inocencio", "lorenzo"),
        "nando": ("fernando", "hernando"),
        "fer": ("fernando",),
        "lencho": ("lorenzo",),
        "cuco": ("refugio",),
        "cuca": ("refugio",),
        "cuquito": ("refugio",),
        "javi": ("javier",),
        "mando": ("armando",),
        "richi": ("ricardo",),
        "ricky": ("ricardo",),
        "pedrito": ("pedro",),
        "juancho": ("juan",),
        "juanito": ("juan",),
        "juanca": ("juan carlos",),
        "chano": ("feliciano", "luciano", "mariano"),
        "tacho": ("anastasio", "eustaquio"),
        "santi": ("santiago",),
        "dani": ("daniel",),
        "alex": ("alejandro", "alexander"),
        "chus": ("jesús",),
        "gerardito": ("gerardo",),
        "jorgito": ("jorge",),
        "coque": ("jorge",),
        "fito": ("adolfo", "rodolfo"),
        "rodo": ("rodolfo", "rodrigo"),
        "rigo": ("rigoberto",),
        "moncho": ("ramón",),
        "monchi": ("ramón",),
        "cholo": ("soledad",),
        "mincho": ("fermín",),
        "chabelo": ("isabel",),
        "chabela": ("isabel",),
        "chela": ("graciela", "marcela"),
        "lola": ("dolores",),
        "lolita": ("dolores",),
        "conchita": ("concepción",),
        "concha": ("concepción",),
        "chayo": ("rosario",),
        "charo": ("rosario",),
        "mari": ("maría",),
        "maru": ("maría eugenia",),
        "malena": ("maría elena", "magdalena"),
        "nena": ("maría",),
        "paty": ("patricia",),
        "pati": ("patricia",),
        "lety": ("leticia",),
        "vero": ("verónica",),
        "ale": ("alejandra", "alejandro"),
        "lulú": ("lourdes", "luisa"),
        "tere": ("teresa",),
        "male": ("maría elena",),
    }
)

# Words that announce the sought person's name, folded, with the preference they give.
_NAMING_TRIGGERS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("se", "llama"), 100),
    (("se", "llamaba"), 100),
    (("se", "llaman"), 100),
    (("llamado",), 100),
    (("llamada",), 90),
    (("nombre", "es"), 100),
    (("nombre", "completo", "es"), 100),
    (("nombre", "completo"), 100),
    (("nombre",), 90),
    (("nombres",), 90),
    (("apellido", "es"), 90),
    (("apellidos",), 80),
    (("apellido",), 80),
    (("named",), 100),
    (("name", "is"), 100),
    (("name", "s"), 100),
    (("called",), 90),
    (("busco", "a"), 60),
    (("y", "a"), 60),  # "busco a José Pérez y a Luis García": a second person
    (("y", "al"), 60),
    (("buscando", "a"), 60),
    (("buscamos", "a"), 60),
    (("busca", "a"), 60),
    (("buscar", "a"), 60),
    (("localizar", "a"), 60),
    (("encontrar", "a"), 60),
    (("looking", "for"), 60),
    (("search", "for"), 60),
    (("find",), 50),
    (("de",), 20),
    (("sobre",), 40),
    (("about",), 40),
    (("del", "senor"), 60),
    (("del", "joven"), 60),
    (("senor",), 50),
    (("don",), 50),
    (("es",), 40),
    (("is",), 30),
    (("a",), 30),
    (("al",), 20),
    (("sino",), 40),
    (("for",), 30),
)
_MAX_TRIGGER = max(len(t) for t, _ in _NAMING_TRIGGERS)
# A run right after these words is a place: "estaba en Juárez", "Ciudad Juárez", "vive en Chicago".
_PLACE_BEFORE = frozenset(
    {
        "en",
        "ciudad",
        "cd",
        "desde",
        "hacia",
        "in",
        "at",
        "to",
        "estado",
        "municipio",
        "aldea",
        "colonia",
        "departamento",
        "provincia",
        "hospital",
        "estacion",
    }
)

PARTICLES = frozenset({"de", "del", "la", "las", "los"})

NOT_NAME = (
    FUNCTION_WORDS
    | DOMAIN_WORDS
    | COMMON_WORDS
    | EVENT_WORDS
    | ENGLISH_WORDS
    | frozenset(RELATIONSHIP_WORDS)
    | NUMBER_WORDS
    | _COMMAND_FILLER
    | frozenset(
        """
        ayuda menu caso humano operador operadora agente baja stop alto cancelar si no ok claro dale
        gracias favor hola nuevo nueva otro otra perdon perdona equivoque equivoco corrijo correccion
        disculpa error mejor dicho decir quise realidad verdad sorry mean actually oops jaja jeje
        mijo mija mijito mijita amen oh ah eh uh mmm bueno pues osea okay okey sip nel simon sale
        """.split()
    )
)
_VERB_ENDINGS = ("iendo", "ieron", "aban", "iamos", "abamos", "ando")

# Keyboard rows a hand runs along when it types anything at all.
_KEYBOARD_RUNS = ("qwer", "asdf", "zxcv", "nlkj", "lkjh", "poiu", "hjkl", "uiop")
_LAUGHTER = re.compile(r"(?:[jh][aeiou]){2,}[jh]?")
_TRIPLED = re.compile(r"(.)\1\1")


def is_noise_word(folded: str) -> bool:
    """A word nobody is named: laughter (jajaja), a letter held down (kkkk), no vowel at all
    (sdfsdf), a run along the keyboard (asdf, qwerty). Deliberately narrow: taking a real name for
    noise would tell a relative we do not understand them; every name in the name lists and the
    demo roster is checked against it (tests/language/test_noise_words.py)."""
    if len(folded) < 3:
        return False
    return (
        bool(_LAUGHTER.fullmatch(folded))
        or bool(_TRIPLED.search(folded))
        or not any(v in folded for v in "aeiouy")
        or any(run in folded for run in _KEYBOARD_RUNS)
    )


def is_ordinary_word(folded: str) -> bool:
    """True for words that are never a name here (including plural/gender variants of them)."""
    if folded in NOT_NAME:
        return True
    if folded in COMMON_SURNAMES or folded in COMMON_GIVEN_NAMES:  # Rojas, Ríos: not "roja", "río"
        return False
    if len(folded) > 3:
        if folded.endswith("s") and (folded[:-1] in NOT_NAME or folded[:-2] in NOT_NAME):
            return True
        if folded[-1] in "oa" and (folded[:-1] + ("a" if folded[-1] == "o" else "o")) in NOT_NAME:
            return True
        if folded.endswith("os") and folded[:-2] + "o" in NOT_NAME:
            return True
        if relationship_lookup(folded) is not None:
            return True
    return False


@dataclass(frozen=True, slots=True)
class SoughtName:
    raw: str  # as written: casing, accents, hyphens and inner particles preserved
    tokens: tuple[str, ...]  # folded words in the order written, particles included
    order_hint: str  # 'given_first' / 'surnames_first' / 'unknown'

    @property
    def folded(self) -> str:
        return " ".join(self.tokens)

    @property
    def words(self) -> tuple[str, ...]:
        """The folded words without particles ("de", "la"...)."""
        return tuple(t for t in self.tokens if t not in PARTICLES)


@dataclass(frozen=True, slots=True)
class Run:
    start: int  # token indices
    end: int
    score: int
    negated: bool


def _breaks(text: str, tokens: list[Token]) -> list[bool]:
    """breaks[i]: punctuation (not a hyphen or an initial's dot) between token i and i + 1."""
    out = []
    for a, b in zip(tokens, tokens[1:], strict=False):
        gap = text[a.end : b.start].replace(" ", "").replace("-", "")
        if gap == "." and len(a.text) == 1 and a.text.isupper():
            gap = ""
        out.append(bool(gap))
    out.append(True)
    return out


def classify(tokens: list[Token], consumed: list[bool], mixed_case: bool) -> list[str]:
    """Per token: 'name', 'particle' or 'stop'."""
    kinds = []
    for tok, used in zip(tokens, consumed, strict=True):
        w = tok.folded
        if used or tok.is_digit:
            kinds.append("stop")
        elif w in PARTICLES:
            kinds.append("particle")
        elif len(w) == 1:
            kinds.append(
                "name" if tok.text.isupper() and tok.text.isalpha() and w not in "aeiouy" else "stop"
            )
        elif is_ordinary_word(w):
            kinds.append("stop")
        elif (
            w.endswith(_VERB_ENDINGS)
            and w not in COMMON_GIVEN_NAMES
            and not (mixed_case and tok.is_capitalised)
        ):
            kinds.append("stop")
        elif is_noise_word(w):
            kinds.append("stop")
        else:
            kinds.append("name")
    return kinds


def runs(tokens: list[Token], kinds: list[str], breaks: list[bool]) -> list[tuple[int, int]]:
    """Maximal spans of name words, joined by particles, not crossing punctuation."""
    out = []
    i, n = 0, len(tokens)
    while i < n:
        if kinds[i] != "name":
            i += 1
            continue
        start = end = i
        while True:
            if breaks[end]:
                break
            k = end + 1
            while k < n and kinds[k] == "particle" and not breaks[k] and k - end <= 3:
                k += 1
            if k < n and kinds[k] == "name" and not breaks[k - 1]:
                # particles only as "de", "del", "de la", "de los", "de las"
                between = [tokens[x].folded for x in range(end + 1, k)]
                if between and between[0] not in ("de", "del"):
                    break
                end = k
                continue
            break
        out.append((start, end + 1))
        i = end + 1
    return out


def _trigger_score(words: list[str], start: int) -> int:
    best = 0
    for trig, score in _NAMING_TRIGGERS:
        size = len(trig)
        if start - size >= 0 and tuple(words[start - size : start]) == trig:
            best = max(best, score)
    return best


def relative_name_span(tokens: list[Token], kinds: list[str], breaks: list[bool]) -> tuple[int, int] | None:
    """The relative's own name: "me llamo Ana", "soy Ana López", "mi nombre es Ana", "my name is Ana"."""
    words = [t.folded for t in tokens]
    spans = runs(tokens, kinds, breaks)
    for start, end in spans:
        for trig in SELF_NAME_TRIGGERS:
            size = len(trig)
            if start - size >= 0 and tuple(words[start - size : start]) == trig:
                return start, min(end, start + 5)
    return None


@dataclass(frozen=True, slots=True)
class NameFound:
    name: SoughtName
    start: int  # token indices of the name as taken (after trimming)
    end: int
    strong: bool  # announced ("busco a", "mi hermano", "se llama"...), not a bare run of words


@dataclass(frozen=True, slots=True)
class NamesFound:
    best: NameFound | None  # the name the message is most clearly about
    announced: tuple[NameFound, ...]  # every announced name, in text order (``best`` among them)
    rejected: tuple[SoughtName, ...]  # names said to be wrong: "no José"
    spans: tuple[tuple[int, int], ...] = ()  # every candidate run that is not denied


# A candidate announced by these trigger scores (or right after "mi hermano") may be a person
# of its own; lower ones ("de", "a", "es") only make a bare run more likely to be the name.
_STRONG = 60


def choose_names(
    text: str,
    tokens: list[Token],
    kinds: list[str],
    breaks: list[bool],
    relationship_word_at: set[int],
    mixed_case: bool,
    lenient: bool,
) -> NamesFound:
    """The name candidates of a message: the best one, the announced ones, the denied ones.

    ``relationship_word_at`` holds the token index just after a "mi hermano"-style phrase; ``lenient``
    allows a bare run with no announcing phrase (not for messages in another language).
    """
    words = [t.folded for t in tokens]
    candidates: list[Run] = []
    strong: set[tuple[int, int]] = set()
    for start, end in runs(tokens, kinds, breaks):
        prev = words[start - 1] if start else ""
        if prev in _PLACE_BEFORE or (start >= 2 and words[start - 2] in _PLACE_BEFORE and prev in PARTICLES):
            continue
        score = _trigger_score(words, start)
        if start in relationship_word_at:
            score = max(score, 80)
        # A denial must touch the name: in "No, es Luis" the comma ends the "no"; "no se llama José".
        negated = is_negated(words, breaks, start)
        if negated:
            score = 0
        if score == 0 and not lenient and not negated:
            continue
        if score >= _STRONG:
            strong.add((start, end))
        size = end - start
        score += min(size, 4) * 3 - (40 if size > 7 else 0)
        if mixed_case:
            score += sum(2 for t in tokens[start:end] if t.is_capitalised)
        candidates.append(Run(start, end, score, negated))
    rejected = tuple(_make(text, tokens, r.start, r.end) for r in candidates if r.negated)
    positive = [r for r in candidates if not r.negated]
    if not positive:
        return NamesFound(None, (), rejected)
    best_run = max(positive, key=lambda r: (r.score, -r.start))
    best = _taken(text, tokens, best_run, candidates, mixed_case, (best_run.start, best_run.end) in strong)
    announced = [best]
    for r in positive:
        if r is best_run or (r.start, r.end) not in strong or best.start <= r.start < best.end:
            continue
        if r.end == best.start or r.start == best.end:
            continue  # the other half of "HERNANDEZ GARCIA, JOSE LUIS"
        announced.append(_taken(text, tokens, r, candidates, mixed_case, True))
    announced.sort(key=lambda f: f.start)
    return NamesFound(best, tuple(announced), rejected, tuple((r.start, r.end) for r in positive))


def _taken(
    text: str, tokens: list[Token], run: Run, candidates: list[Run], mixed_case: bool, strong: bool
) -> NameFound:
    start, end = run.start, run.end
    if mixed_case:
        start, end = _trim_lowercase(tokens, start, end)
    joined = _surnames_comma_given(text, tokens, start, end, candidates)
    if joined is not None:
        return NameFound(*joined, strong)
    return NameFound(_make(text, tokens, start, end), start, end, strong)


def choose_name(
    text: str,
    tokens: list[Token],
    kinds: list[str],
    breaks: list[bool],
    relationship_word_at: set[int],
    mixed_case: bool,
    lenient: bool,
) -> tuple[SoughtName | None, int, list[SoughtName]]:
    """(the sought name, its first token index, names the relative says are wrong: "no José")."""
    found = choose_names(text, tokens, kinds, breaks, relationship_word_at, mixed_case, lenient)
    if found.best is None:
        return None, -1, list(found.rejected)
    return found.best.name, found.best.start, list(found.rejected)


def _trim_lowercase(tokens: list[Token], start: int, end: int) -> tuple[int, int]:
    """In a cased message, drop unknown lower-case words at the edges of a capitalised name
    ("José Pérez preocupadísimos"), but keep a lower-case word that is a known name."""
    capitals = sum(1 for t in tokens[start:end] if t.is_capitalised)
    if capitals < 2:
        return start, end

    def droppable(t: Token) -> bool:
        return (
            not t.is_capitalised
            and t.folded not in PARTICLES
            and t.folded not in COMMON_SURNAMES
            and t.folded not in COMMON_GIVEN_NAMES
            and t.folded not in NICKNAMES
        )

    while end - start > 1 and droppable(tokens[end - 1]):
        end -= 1
    while end - start > 1 and droppable(tokens[start]):
        start += 1
    while end - start > 1 and tokens[end - 1].folded in PARTICLES:
        end -= 1
    return start, end


def _surnames_comma_given(
    text: str, tokens: list[Token], start: int, end: int, candidates: list[Run]
) -> tuple[SoughtName, int, int] | None:
    """'HERNANDEZ GARCIA, JOSE LUIS' (the official-list form): join the two runs around the comma
    (the joined name and its token span)."""
    for other in candidates:
        if other.negated:
            continue
        if other.start == end:
            a, b = (start, end), (other.start, other.end)
        elif other.end == start:
            a, b = (other.start, other.end), (start, end)
        else:
            continue
        if text[tokens[a[1] - 1].end : tokens[b[0]].start].strip() != ",":
            continue
        if a[1] - a[0] >= 2 and _given(tokens[b[0]].folded) and not _given(tokens[a[0]].folded):
            raw = text[tokens[a[0]].start : tokens[b[1] - 1].end]
            return SoughtName(raw, tuple(t.folded for t in tokens[a[0] : b[1]]), "surnames_first"), a[0], b[1]
    return None


def _make(text: str, tokens: list[Token], start: int, end: int) -> SoughtName:
    raw = text[tokens[start].start : tokens[end - 1].end]
    folded = tuple(t.folded for t in tokens[start:end])
    return SoughtName(raw, folded, order_hint(folded))


def _given(word: str) -> bool:
    return word in COMMON_GIVEN_NAMES or word in NICKNAMES


def order_hint(folded: tuple[str, ...]) -> str:
    words = [w for w in folded if w not in PARTICLES]
    if not words:
        return "unknown"
    first_given = _given(words[0]) and words[0] not in COMMON_SURNAMES
    last_given = _given(words[-1]) and words[-1] not in COMMON_SURNAMES
    if len(words) == 1:
        return "given_first" if first_given else "unknown"
    if first_given and not last_given:
        return "given_first"
    if last_given and not first_given and (words[0] in COMMON_SURNAMES or not _given(words[0])):
        return "surnames_first"
    if first_given:
        return "given_first"
    return "unknown"
