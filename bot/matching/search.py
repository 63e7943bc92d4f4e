"""Name search over the roster: ranked candidates for a name written by a relative or an operator.

Two steps. Retrieval, in the database, reads only index rows (``person_name_keys``): the query's
words become phonetic tokens; each token also stands for its known neighbours within one edit
(``name_variants``, for typos) and for the given names it is a nickname of; every pair of tokens
from two different words is looked up, and the persons found under the most pairs form a bounded
pool. Scoring, in Python (``bot.matching.score``), judges each pooled person's names against the
query, order included, and the best come first. See docs/matching.md for why pairs.
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
from bot.matching.score import MAX_QUERY_WORDS, score
from db.models import Person  # noqa: TC001  (Candidate holds it)
from db.repositories import name_index as repo

# How many persons the database hands to the scorer beyond the number asked for: enough that the
# right person is in the pool when many share the pair that matched, few enough to score quickly.
POOL_EXTRA = 10
MIN_POOL = 20
# At most this many neighbouring spellings per word (a short word can have many).
MAX_NEIGHBOURS = 6


@dataclass(frozen=True)
class Candidate:
    person: Person
    score: float  # 0..1
    strong: bool
    reason: str


@dataclass(frozen=True)
class _Word:
    exact: frozenset[str]  # the word's own key, and the given names it is a nickname of
    near: frozenset[str]  # known keys one typo away
    known: bool  # the word's own key is on the roster


def _one_typo_back(folded: str) -> set[str]:
    """Phonetic keys of the word with one letter dropped or two neighbours swapped: a typo made on
    the letters ("vcitor") can change more than one letter of the phonetic key."""
    if len(folded) < MIN_VARIANT_LENGTH:
        return set()
    edits = {folded[:i] + folded[i + 1 :] for i in range(len(folded))}
    edits |= {folded[:i] + folded[i + 1] + folded[i] + folded[i + 2 :] for i in range(len(folded) - 1)}
    return {phonetic(e) for e in edits} - {""}


def _query_words(session: Session, text: str) -> list[_Word]:
    folded = name_words(text)[:MAX_QUERY_WORDS]
    exact = [
        frozenset({phonetic(w)[:MAX_KEY_LENGTH], *(phonetic(n) for n in expand_nickname(w))}) for w in folded
    ]
    backs = [_one_typo_back(w) for w in folded]
    probes = {v for keys in exact for k in keys for v in token_variants(k)} | set().union(*backs)
    found = repo.tokens_with_variants(session, probes)
    words = []
    for w, keys, back in zip(folded, exact, backs, strict=True):
        variants = {v for k in keys for v in token_variants(k)}
        distance: dict[str, int] = {}
        for v, t in found:
            if t in keys:
                continue
            if v in variants:
                d = min(OSA.distance(t, k, score_cutoff=1) for k in keys)
                if d <= 1:
                    distance[t] = d
            if v == t and t in back:
                distance.setdefault(t, 1)
        near = sorted(distance, key=lambda t: (distance[t], t))[:MAX_NEIGHBOURS]
        known = any(v == t == phonetic(w) for v, t in found)
        words.append(_Word(exact=keys, near=frozenset(near), known=known))
    return words


def _lookup_keys(words: list[_Word], all_near: bool) -> tuple[set[str], set[str]]:
    """(every key to look up, the keys made only of words as written). A word already on the
    roster brings its neighbouring spellings only when ``all_near``."""
    options = [w.exact | w.near if (all_near or not w.known) else w.exact for w in words]
    if len(words) == 1:
        return set(options[0]), set(words[0].exact)
    keys: set[str] = set()
    preferred: set[str] = set()
    for (a, a_opts), (b, b_opts) in combinations(zip(words, options, strict=True), 2):
        for x in a_opts:
            for y in b_opts:
                key = pair_key(x, y)
                keys.add(key)
                if x in a.exact and y in b.exact:
                    preferred.add(key)
    return keys, preferred


def _pool(
    session: Session, q: str, words: list[_Word], limit: int, incident_id: int | None, all_near: bool
) -> list[Candidate]:
    keys, preferred = _lookup_keys(words, all_near)
    size = max(MIN_POOL, limit + POOL_EXTRA)
    persons = repo.ranked_persons(
        session, keys, preferred=preferred, size=len(words), limit=size, incident_id=incident_id
    )
    # When no two words are found together, nobody can match (rule 1 needs a given name and a
    # surname): no fallback on single words, which would read every "López" on a large roster.
    candidates = []
    for person in persons:
        result = score(q, person.given_names, person.surnames)
        candidates.append(
            Candidate(person=person, score=result.score, strong=result.strong, reason=result.reason)
        )
    candidates.sort(key=lambda c: (-c.score, c.person.id))
    return candidates


def search_persons(
    session: Session, q: str, limit: int = 10, incident_id: int | None = None
) -> list[Candidate]:
    """The best ``limit`` candidates for the name ``q``, best first."""
    if limit <= 0:
        return []
    words = _query_words(session, q)
    if not words:
        return []
    candidates = _pool(session, q, words, limit, incident_id, all_near=False)
    if not any(c.strong for c in candidates) and any(w.known and w.near for w in words):
        # Every word is a real name but no one matched: one may be a typo that spells another
        # name (Rojas for Rosas); look again with the neighbours of every word.
        candidates = _pool(session, q, words, limit, incident_id, all_near=True)
    return candidates[:limit]


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
