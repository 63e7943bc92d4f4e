"""How well a name written by a relative matches one person's recorded names (pure).

The rule of SPEC section 5, rule 1: the given name (or a known nickname of it) and at least one
surname must match, tolerant of accents, spelling variants, single typos, particles, a missing
second given name or surname, and surnames written first. Order inside a block matters: "Moreno
Sánchez" is not "Sánchez Moreno", and "Mario" is not "María".

How: the query's words are split into a given-name block and a surname block in every way that
keeps the order (given names first, or surnames first as on official lists); each block is aligned
in order with the record's block; the best reading wins. A reading is ``strong`` when a given name
and a surname match and nothing the relative wrote contradicts the record: a query word left over
in a block where a record word is also left over (another second surname, another given name), or a
word that matches the record only out of order (swapped surnames).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

from bot.matching.keys import fold
from bot.matching.name_lists import FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES, PARTICLES, SURNAMES
from bot.matching.nicknames import expand_nickname
from bot.matching.phonetic import phonetic

# Similarity of two words, by how they differ.
SIM_EXACT = 1.0
SIM_SPELLING = 0.95
SIM_NICKNAME = 0.92
SIM_TYPO = 0.85
# One of two words must be at least this long for a one-letter difference to count as a typo:
# three-letter names differ from each other by one letter (Ana, Ada, Eva).
MIN_TYPO_LENGTH = 4
# Non-strong results are scaled into 0..WEAK_CEILING, strong ones start at STRONG_FLOOR, so any
# strong candidate outranks every weak one.
WEAK_CEILING = 0.5
STRONG_FLOOR = 0.55
MAX_QUERY_WORDS = 8

KNOWN_NAMES: frozenset[str] = frozenset(fold(n) for n in MALE_GIVEN_NAMES + FEMALE_GIVEN_NAMES + SURNAMES)

# Kinds of word match, and the note each adds to the reason.
_NOTES = {"accents": "acentos", "spelling": "variante ortográfica", "typo": "error de escritura"}


@dataclass(frozen=True)
class MatchResult:
    score: float  # 0..1
    strong: bool
    reason: str
    # Strong, no word of the query left over, none matched only as a typo: every word was found as
    # written (up to accents, spelling and nicknames). The search stops early on such a candidate.
    every_word_matched: bool = False


@dataclass(frozen=True)
class _Word:
    raw: str  # as written, lower case (accents kept, to tell "acentos" apart)
    folded: str
    key: str  # phonetic

    @property
    def shown(self) -> str:
        return self.raw.capitalize()


@dataclass(frozen=True)
class _Pair:
    q: int
    r: int
    sim: float
    kind: str


@lru_cache(maxsize=65536)
def _words(text: str) -> tuple[_Word, ...]:
    out = []
    for raw in text.lower().split():
        folded = fold(raw)
        for part in folded.split():  # "garcia-lopez" folds to two words
            if part in PARTICLES or len(part) < 2:
                continue
            clean = raw if len(folded.split()) == 1 else part
            out.append(_Word(raw=clean.strip(".,;:()\"'"), folded=part, key=phonetic(part)))
    return tuple(out)


def gender_swap(a: str, b: str) -> bool:
    """Mario/María, Julio/Julia, Daniel/Daniela: the masculine and feminine of one name."""
    if len(a) == len(b) and a[:-1] == b[:-1] and {a[-1], b[-1]} == {"a", "o"}:
        return True
    return a + "a" == b or b + "a" == a


@lru_cache(maxsize=65536)
def _compare_folded(q: str, q_key: str, r: str, r_key: str, given: bool) -> tuple[float, str]:
    if q == r:
        return SIM_EXACT, "exact"
    if given and gender_swap(q, r):
        return 0.0, "gender"
    if q_key == r_key:
        return SIM_SPELLING, "spelling"
    if given and r in expand_nickname(q):
        return SIM_NICKNAME, "nickname"
    if max(len(q), len(r)) >= MIN_TYPO_LENGTH and min(len(q), len(r)) >= 3 and (
        OSA.distance(q, r, score_cutoff=1) <= 1 or OSA.distance(q_key, r_key, score_cutoff=1) <= 1
    ):
        if q in KNOWN_NAMES and r in KNOWN_NAMES:
            return 0.0, "other_name"  # Raúl is not a typo of Saúl
        return SIM_TYPO, "typo"
    return 0.0, "none"


def _compare(q: _Word, r: _Word, given: bool) -> tuple[float, str]:
    sim, kind = _compare_folded(q.folded, q.key, r.folded, r.key, given)
    if kind == "exact" and q.raw != r.raw:
        kind = "accents"
    return sim, kind


_Matrix = list[list[tuple[float, str]]]


def _align(rows: Sequence[int], sims: _Matrix, m: int) -> list[_Pair]:
    """The in-order matching of the query words ``rows`` to the ``m`` record words of one block
    with the highest total similarity (``sims[query word][record word]``)."""
    n = len(rows)
    if n == 0 or m == 0:
        return []
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row = sims[rows[i]]
        for j in range(m - 1, -1, -1):
            sim = row[j][0]
            take = sim + best[i + 1][j + 1] if sim > 0 else 0.0
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        sim, kind = sims[rows[i]][j]
        if sim > 0 and best[i][j] == sim + best[i + 1][j + 1]:
            pairs.append(_Pair(rows[i], j, sim, kind))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


@dataclass
class _Reading:
    score: float
    strong: bool
    reason: str
    # How readings of one query compare: a strong one by its score; among weak ones, the one that
    # explains the most words, then one with both blocks (its reason says more), then the score.
    rank: tuple[bool, float, int, bool, float, int]
    complete: bool = False


def _read(
    words: Sequence[_Word],
    q_given: Sequence[int],
    q_surnames: Sequence[int],
    given: Sequence[_Word],
    surnames: Sequence[_Word],
    g_sims: _Matrix,
    s_sims: _Matrix,
    surnames_first: bool,
    build_reason: bool = True,
) -> _Reading:
    """One reading of the query: these word indices are given names, those surnames."""
    g_pairs = _align(q_given, g_sims, len(given))
    s_pairs = _align(q_surnames, s_sims, len(surnames))
    g_q, s_q = {p.q for p in g_pairs}, {p.q for p in s_pairs}
    g_r, s_r = {p.r for p in g_pairs}, {p.r for p in s_pairs}
    q_g_left = [i for i in q_given if i not in g_q]
    q_s_left = [i for i in q_surnames if i not in s_q]
    r_g_left = [j for j in range(len(given)) if j not in g_r]
    r_s_left = [j for j in range(len(surnames)) if j not in s_r]

    # Contradictions: a word the relative wrote that the record has elsewhere (out of order or in
    # the other block), or a different word where the record has one of its own.
    problems: list[str] = []
    if any(s_sims[i][j][0] > 0 for i in q_s_left for j in r_s_left):
        problems.append("apellidos en otro orden: no coincide")
    elif any(g_sims[i][j][0] > 0 for i in q_g_left for j in r_g_left):
        problems.append("nombres en otro orden: no coincide")
    elif any(s_sims[i][j][0] > 0 for i in q_g_left for j in r_s_left) or any(
        g_sims[i][j][0] > 0 for i in q_s_left for j in r_g_left
    ):
        problems.append("nombre y apellidos mezclados: no coincide")
    elif q_s_left and r_s_left:
        problems.append("otro apellido: no coincide")
    elif q_s_left and r_g_left:
        problems.append("otro nombre: no coincide")
    gender = [(i, j) for i in q_g_left for j in r_g_left if g_sims[i][j][1] == "gender"]
    if gender:
        problems.append(f"nombre distinto: {words[gender[0][0]].shown} / {given[gender[0][1]].shown}")
    elif problems:
        pass
    elif q_g_left and r_g_left and not g_pairs:
        problems.append("el nombre no coincide")
    elif q_g_left and (r_g_left or r_s_left):
        problems.append("otro nombre: no coincide")
    if not g_pairs and not problems:
        problems.append("el nombre no coincide" if q_given else "falta el nombre")
    if not s_pairs and not problems:
        problems.append("ningún apellido coincide" if q_surnames else "falta el apellido")

    # The score: given names 40 %, surnames 60 %, small costs for what is missing or extra.
    given_part = 0.0
    if g_pairs:
        given_part = sum(p.sim for p in g_pairs) / len(g_pairs)
        if g_pairs[0].r != 0:
            given_part *= 0.9  # known by the second given name only
    surname_part = 0.0
    if s_pairs:
        surname_part = sum(p.sim for p in s_pairs) / len(s_pairs)
        if len(s_pairs) < len(surnames):
            surname_part *= 0.8 if s_pairs[0].r == 0 else 0.7
    score = 0.4 * given_part + 0.6 * surname_part
    score -= 0.05 * (len(q_g_left) + len(q_s_left)) + 0.03 * len(r_g_left)
    score -= 0.005 if surnames_first else 0.0
    strong = not problems
    rank = (strong, score if strong else 0.0, len(g_pairs) + len(s_pairs), bool(q_given) and bool(q_surnames),
            score, -abs(len(q_surnames) - len(surnames)))
    score = max(score, STRONG_FLOOR) if strong else max(score, 0.0) * WEAK_CEILING
    score = round(max(0.0, min(1.0, score)), 4)

    if problems:
        return _Reading(score, False, "; ".join(problems), rank)
    if not build_reason:
        return _Reading(score, True, "", rank, _as_written(g_pairs, s_pairs, q_g_left, q_s_left))
    if len(s_pairs) == len(surnames):
        base = "nombre y ambos apellidos coinciden" if len(surnames) > 1 else "nombre y apellido coinciden"
    elif s_pairs[0].r == 0:
        base = "solo un apellido: nombre y primer apellido coinciden"
    else:
        base = "solo un apellido: nombre y segundo apellido coinciden"
    notes: list[str] = []
    for pair in g_pairs + s_pairs:
        note = _NOTES.get(pair.kind)
        if note and note not in notes:
            notes.append(note)
    for pair in g_pairs:
        if pair.kind == "nickname":
            notes.append(f"apodo: {words[pair.q].shown} → {given[pair.r].shown}")
    if surnames_first:
        notes.append("apellidos antes del nombre")
    if r_g_left:
        notes.append("sin segundo nombre" if g_pairs[0].r == 0 else "por su segundo nombre")
    if q_g_left or q_s_left:
        notes.append("palabras de más")
    reason = base + (f" ({', '.join(notes)})" if notes else "")
    return _Reading(score, True, reason, rank, _as_written(g_pairs, s_pairs, q_g_left, q_s_left))


def _as_written(g_pairs: list[_Pair], s_pairs: list[_Pair], *leftovers: list[int]) -> bool:
    return not any(leftovers) and all(p.kind != "typo" for p in g_pairs + s_pairs)


def score(query: str | Sequence[str], given_names: str, surnames: str) -> MatchResult:
    """How well ``query`` (free text or its words) names the person with these recorded names."""
    text = query if isinstance(query, str) else " ".join(query)
    return _score(text, given_names, surnames)


@dataclass(frozen=True)
class Judgement:
    """``score`` without the reason: what ranking a pool of candidates needs (the reason, the one
    part that depends on the words themselves, is written only for the candidates shown)."""

    score: float
    strong: bool
    every_word_matched: bool


def judge(query: str, given_names: str, surnames: str) -> Judgement:
    """The score, strength and completeness that ``score`` would give, without its reason."""
    found = _judge(query, given_names, surnames)
    return Judgement(found[1], found[2], found[3])


_Split = tuple[range, range, bool]
# (the best split, score, strong, every word matched)
_Best = tuple[_Split | None, float, bool, bool]
_NO_NAME: _Best = (None, 0.0, False, False)


def _sims(words: Sequence[_Word], given: Sequence[_Word], surnames: Sequence[_Word]) -> tuple[_Matrix, _Matrix]:
    return ([[_compare(q, r, True) for r in given] for q in words],
            [[_compare(q, r, False) for r in surnames] for q in words])


@lru_cache(maxsize=16384)
def _judge(text: str, given_names: str, surnames: str) -> _Best:
    # Cached: on a large roster the same full name recurs among the candidates of one search.
    words = _words(text)[:MAX_QUERY_WORDS]
    given, surnames_ = _words(given_names), _words(surnames)
    if not words or not (given or surnames_):
        return _NO_NAME
    # Which reading wins, and its score, depend only on how each query word compares with each
    # recorded word (the kinds of match), never on the words themselves: one search meets the same
    # pattern in many of its candidates ("José ... Hernández ..."), so it is judged once.
    pattern = (tuple(tuple(_KIND_KEY[_compare_folded(q.folded, q.key, r.folded, r.key, True)[1]] for r in given)
                     for q in words),
               tuple(tuple(_KIND_KEY[_compare_folded(q.folded, q.key, r.folded, r.key, False)[1]] for r in surnames_)
                     for q in words))
    best = _BY_PATTERN.get(pattern)
    if best is None:
        if len(_BY_PATTERN) >= _MAX_PATTERNS:
            _BY_PATTERN.clear()
        best = _BY_PATTERN[pattern] = _best_reading(words, given, surnames_)
    return best


# "accents" is "exact" for the ranking (only the reason tells them apart); a small int per kind keeps
# the pattern cheap to hash.
_KIND_KEY = {"exact": 0, "gender": 1, "spelling": 2, "nickname": 3, "typo": 4, "other_name": 5, "none": 6}
_BY_PATTERN: dict[tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]], _Best] = {}
_MAX_PATTERNS = 65536


def _best_reading(words: Sequence[_Word], given: Sequence[_Word], surnames_: Sequence[_Word]) -> _Best:
    g_sims, s_sims = _sims(words, given, surnames_)
    n = len(words)
    # Every order-keeping split: given names first (k of them), or surnames first. With two words
    # or more, the readings with an empty block cannot be strong and are left out.
    ends = range(n, -1, -1) if n == 1 else range(n - 1, 0, -1)
    splits = [(range(k), range(k, n), False) for k in ends]
    splits += [(range(k, n), range(k), True) for k in range(1, n)]
    readings = []
    for g, s, first in splits:
        reading = _read(words, g, s, given, surnames_, g_sims, s_sims, first, build_reason=False)
        readings.append((reading, (g, s, first)))
        if reading.strong and reading.score >= SIM_EXACT:
            break  # nothing scores higher than a full exact match
    if not any(r.strong for r, _ in readings) and n > 1:
        # A weak match: the readings with an empty block may explain it better ("falta el nombre").
        for g, s, first in ((range(n), range(n, n), False), (range(0), range(n), False)):
            readings.append((_read(words, g, s, given, surnames_, g_sims, s_sims, first, False), (g, s, first)))
    reading, split = max(readings, key=lambda r: r[0].rank)
    return split, reading.score, reading.strong, reading.complete


@lru_cache(maxsize=8192)
def _score(text: str, given_names: str, surnames: str) -> MatchResult:
    split, score_, strong, complete = _judge(text, given_names, surnames)
    if split is None:
        return MatchResult(0.0, False, "sin nombre que comparar")
    words = _words(text)[:MAX_QUERY_WORDS]
    given, surnames_ = _words(given_names), _words(surnames)
    g_sims, s_sims = _sims(words, given, surnames_)
    g, s, first = split
    best = _read(words, g, s, given, surnames_, g_sims, s_sims, first)
    return MatchResult(best.score, best.strong, best.reason, best.complete)


def score_blocks(query_given: str, query_surnames: str, given_names: str, surnames: str) -> MatchResult:
    """Like ``score`` when the caller already knows which words are given names and surnames."""
    q_given, q_surnames = _words(query_given), _words(query_surnames)
    words = q_given + q_surnames
    given, surnames_ = _words(given_names), _words(surnames)
    g_sims = [[_compare(q, r, True) for r in given] for q in words]
    s_sims = [[_compare(q, r, False) for r in surnames_] for q in words]
    reading = _read(words, range(len(q_given)), range(len(q_given), len(words)), given, surnames_, g_sims,
                    s_sims, False)
    return MatchResult(reading.score, reading.strong, reading.reason, reading.complete)
