"""Which catalogue speaks to a relative: Spanish first, English for those who write in English
(SPEC 4). A conversation keeps the language of its first readable message (state key ``lang``)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from bot import texts_en, texts_es

LANGUAGES = ("es", "en")
BABEL_LOCALES = {"es": "es", "en": "en"}
DATE_PATTERNS = {"es": "d 'de' MMMM 'de' y, HH:mm", "en": "d MMMM y, HH:mm"}


def catalogue(lang: str | None) -> ModuleType:
    return texts_en if lang == "en" else texts_es


def lang_of(state: dict[str, Any] | None) -> str:
    """The language of a conversation, from its stored state."""
    lang = (state or {}).get("lang")
    return lang if lang in LANGUAGES else "es"


def for_state(state: dict[str, Any] | None) -> ModuleType:
    """The catalogue of a conversation, from its stored state."""
    return catalogue(lang_of(state))
