"""Name search over the roster: ranked candidates for a name written by a relative or an operator.

Two steps. Retrieval, in the database, reads only index rows (``person_name_keys``): the query's
words become phonetic tokens, each standing also for the given names it is a nickname of; every
pair of tokens from two different words is looked up, and the persons found under the most pairs
form a bounded pool. Scoring, in Python (``bot.matching.score``), judges each pooled person's names
against the query, order included, and the best come first.

The first pass uses the words as written: one round trip when the best candidate is strong and
explains every word. Otherwise (a typo, or nobody of that name) a second pass adds, for each word,
the known tokens one typo away (``name_variants``). See docs/matching.md for why pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from rapidfuzz.distance import OSA
from sqlalchemy.orm import Session

import bot.matching.name_index  # noqa: F401  (registers the ORM events that keep the index current)
from bot.matching.keys import MAX_KEY_LENGTH, MIN_VARIANT_LENGTH, name_words, pair_key, token_variants
from bot.matching.nicknames import expand_nickname
from bot.matching.phonetic import phonetic
from bot.matching.score import KNOWN_NAMES, MAX_QUERY_WORDS, Judgement, judge, score
from db.models import Person  # noqa: TC001  (Candidate holds it)
from db.repositories import name_index as repo

# How many persons the database hands to the scorer beyond the number asked for: enough that the
# right person is in the pool when many share the pair that matched, few enough to score quickly.
# Unordered pairs rank "Juan Reyes González" with "Juan González Reyes" (the scorer tells them
# apart), so the first pool must hold more than the namesakes.
FIRST_POOL_EXTRA, FIRST_MIN_POOL = 10, 20
POOL_EXTRA, MIN_POOL = 10, 15
# At most this many neighbouring spellings per word (a short word can have many).
MAX_NEIGHBOURS = 6


# Phonetic keys of the known given names and surnames.
KNOWN_KEYS: frozenset[str] = frozenset(phonetic(n) for n in KNOWN_NAMES)


@dataclass(frozen=True)
class Candidate:
    person: Person
    score: float  # 0..1
    strong: bool
    reason: str


@dataclass(frozen=True)
class _Word:
    folded: str
    exact: frozenset[str]  # the word's own key, and the given names it is a nickname of
    near: frozenset[str]  # known keys one typo away


def _one_typo_back(folded: str) -> set[str]:
    """Phonetic keys of the word with one letter dropped or two neighbours swapped: a typo made on
    the letters ("vcitor") can change more than one letter of the phonetic key."""
    if len(folded) < MIN_VARIANT_LENGTH:
        return set()
    edits = {folded[:i] + folded[i + 1 :] for i in range(len(folded))}
    edits |= {folded[:i] + folded[i + 1] + folded[i] + folded[i + 2 :] for i in range(len(folded) - 1)}
    return {phonetic(e) for e in edits} - {""}


def _exact_words(text: str) -> list[_Word]:
    """The query's words with their own keys and nickname expansions, no neighbours yet."""
    words = []
    for w in name_words(text)[:MAX_QUERY_WORDS]:
        keys = frozenset({phonetic(w)[:MAX_KEY_LENGTH], *(phonetic(n) for n in expand_nickname(w))})
        words.append(_Word(folded=w, exact=keys, near=frozenset()))
    return words


def _with_neighbours(session: Session, words: list[_Word]) -> list[_Word]:
    """The same words, each with the known keys one typo away (one indexed lookup)."""
    backs = [_one_typo_back(w.folded) for w in words]
    probes = {v for w in words for k in w.exact for v in token_variants(k)} | set().union(*backs)
    found = repo.tokens_with_variants(session, probes)
    out = []
    for word, back in zip(words, backs, strict=True):
        variants = {v for k in word.exact for v in token_variants(k)}
        distance: dict[str, int] = {}
        for v, t in found:
            if t in word.exact:
                continue
            if v in variants:
                d = min(OSA.distance(t, k, score_cutoff=1) for k in word.exact)
                if d <= 1:
                    distance[t] = d
            elif v in back:
                # Within one letter of a word one letter away: a typo on the letters may change
                # two letters of the key ("cestillo" sestiyo / "castillo" kastiyo); the scorer
                # checks the letters.
                d = min(OSA.distance(t, k, score_cutoff=2) for k in word.exact)
                if d <= 2:
                    distance.setdefault(t, d)
        if word.folded in KNOWN_NAMES:
            # The scorer never takes a known name for a typo of another one (Rosas/Rojas): such
            # neighbours could only bring weak candidates.
            distance = {t: d for t, d in distance.items() if t not in KNOWN_KEYS}
        near = sorted(distance, key=lambda t: (distance[t], t))[:MAX_NEIGHBOURS]
        out.append(_Word(folded=word.folded, exact=word.exact, near=frozenset(near)))
    return out


def _lookup_keys(words: list[_Word]) -> tuple[set[str], set[str]]:
    """(every key to look up, the keys made only of words as written)."""
    if len(words) == 1:
        return set(words[0].exact | words[0].near), set(words[0].exact)
    keys: set[str] = set()
    preferred: set[str] = set()
    for a, b in combinations(words, 2):
        for x in a.exact | a.near:
            for y in b.exact | b.near:
                key = pair_key(x, y)
                keys.add(key)
                if x in a.exact and y in b.exact:
                    preferred.add(key)
    return keys, preferred


@dataclass(frozen=True)
class _Judged:
    person: Person
    judgement: Judgement


def _pool(
    session: Session, q: str, words: list[_Word], limit: int, incident_id: int | None, *, first: bool
) -> list[_Judged]:
    keys, preferred = _lookup_keys(words)
    size = max(FIRST_MIN_POOL, limit + FIRST_POOL_EXTRA) if first else max(MIN_POOL, limit + POOL_EXTRA)
    persons = repo.ranked_persons(
        session, keys, preferred=preferred, size=len(words), limit=size, incident_id=incident_id
    )
    # When no two words are found together, nobody can match (rule 1 needs a given name and a
    # surname): no fallback on single words, which would read every "López" on a large roster.
    judged = [_Judged(person, judge(q, person.given_names, person.surnames)) for person in persons]
    judged.sort(key=lambda c: (-c.judgement.score, c.person.id))
    return judged


def _explains_every_word(candidate: _Judged) -> bool:
    # A strong candidate that leaves a word over ("José García" for "José Hernadez García"), or
    # matches one only as a typo, may hide persons that the first pass, which looked up the words
    # as written, did not fetch.
    return candidate.judgement.every_word_matched


def search_persons(
    session: Session, q: str, limit: int = 10, incident_id: int | None = None
) -> list[Candidate]:
    """The best ``limit`` candidates for the name ``q``, best first."""
    if limit <= 0:
        return []
    words = _exact_words(q)
    if not words:
        return []
    # First the words as written (with nicknames): one round trip answers most queries.
    judged = _pool(session, q, words, limit, incident_id, first=True)
    if not (judged and _explains_every_word(judged[0])):
        # A typo, or nobody named so: look again with the known spellings one typo away.
        near = _with_neighbours(session, words)
        if any(w.near for w in near):
            judged = _pool(session, q, near, limit, incident_id, first=False)
    # The reason (words quoted back, notes) is written only for the candidates returned.
    candidates = []
    for c in judged[:limit]:
        result = score(q, c.person.given_names, c.person.surnames)
        candidates.append(Candidate(person=c.person, score=result.score, strong=result.strong, reason=result.reason))
    return candidates


def find_candidates(
    session: Session,
    name: str | tuple[str, str],
    incident_id: int | None = None,
    limit: int = 5,
) -> list[Candidate]:
    """Candidates for the dialogue engine: ``name`` is the raw text or (given names, surnames).

    The policy reads ``strong`` on the first candidate and whether a second one is also strong
    (then the relative is asked for a distinguishing detail).
    """
    text = name if isinstance(name, str) else f"{name[0]} {name[1]}"
    return search_persons(session, text, limit=limit, incident_id=incident_id)
