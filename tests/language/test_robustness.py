"""parse_message never raises and stays bounded, whatever arrives (fictional data only)."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.language import parse_message
from bot.language.normalize import MAX_CHARS, clean
from bot.language.parse import Understanding, _parse

TODAY = date(2026, 1, 15)

# Text biased towards what breaks parsers: digits and separators, Spanish words, control characters.
_pieces = st.sampled_from(
    [
        "3",
        "/",
        "-",
        ".",
        "96",
        "1996",
        " de ",
        " mayo ",
        "caso ",
        "JRZ-4F7K",
        "no ",
        "es ",
        "mi ",
        "hermano ",
        "Pérez ",
        "veinti",
        "dos ",
        " años",
        "\x00",
        "\u200b",
        "\n",
        "😢",
        "'",
        ",",
        "del ",
        "la ",
        "soy ",
        "se llama ",
        "y ",
        "tiene ",
        "baja",
    ]
)
_texts = st.one_of(
    st.text(),
    st.lists(_pieces, max_size=40).map("".join),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_texts)
def test_parse_never_raises_on_arbitrary_text(text: str) -> None:
    # _parse, not parse_message: the public wrapper's safety net must never be what saves us.
    result = _parse(text, TODAY)
    assert isinstance(result, Understanding)
    if result.name is not None:
        assert result.name.raw and result.name.raw in clean(text)[0]
        assert all(result.name.tokens)


@settings(max_examples=25, deadline=None)
@given(st.text(min_size=1, max_size=50))
def test_huge_messages_are_cut_at_the_cap(chunk: str) -> None:
    text = (chunk * (30_000 // len(chunk) + 1))[:30_000]
    result = _parse(text, TODAY)
    assert result.truncated
    if result.name is not None:
        assert len(result.name.raw) <= MAX_CHARS


def test_ten_thousand_characters_are_read_only_up_to_the_cap() -> None:
    text = "busco a mi hermano José Pérez " + "x" * 10_000
    result = parse_message(text, today=TODAY)
    assert result.truncated
    assert result.name is not None and result.name.raw == "José Pérez"


def test_control_characters_neither_glue_nor_split_words() -> None:
    result = parse_message("se llama\x00José\u200bPérez\x07", today=TODAY)
    assert result.name is not None
    assert result.name.tokens == ("jose", "perez")


def test_non_string_input_gives_an_empty_understanding() -> None:
    assert parse_message(None, today=TODAY) == Understanding()  # type: ignore[arg-type]
    assert parse_message(b"hola", today=TODAY).understood_nothing is False  # type: ignore[arg-type]


def test_empty_message_understands_nothing() -> None:
    assert parse_message("", today=TODAY).understood_nothing
