"""The webhooks' cheap first look for an opt-out (``may_be_opt_out``) must never miss one: a BAJA it
missed would wait for a turn worker instead of taking effect before the webhook answers. Checked
against every way the phrase tables know to opt out, and every utterance of the language tests.
Texts are FICTIONAL."""

from __future__ import annotations

import pytest

from bot.language import Command, parse_message
from bot.language.commands import _SLASH_COMMANDS, _WHOLE, may_be_opt_out
from tests.language.test_utterances import ALL

SENTENCES = [
    "Por favor ya no me manden más mensajes",
    "quiero darme de baja",
    "Dejen de escribirme",
    "ya no deseo recibir avisos",
    "no me envíen ningún mensaje más",
    "Please stop texting me",
    "UNSUBSCRIBE",
    "¡¡BAJA!!",
    "Stop.",
    "/baja",
    "/stop@HotlineBot",
    "no más mensajes por favor",
]


@pytest.mark.parametrize("phrase", sorted(" ".join(p) for p in _WHOLE[Command.OPT_OUT]))
def test_every_whole_message_opt_out_passes_the_first_look(phrase: str) -> None:
    assert parse_message(phrase).command is Command.OPT_OUT
    assert may_be_opt_out(phrase) and may_be_opt_out(phrase.upper())


@pytest.mark.parametrize("word", sorted(w for w, c in _SLASH_COMMANDS.items() if c is Command.OPT_OUT))
def test_every_opt_out_slash_command_passes_the_first_look(word: str) -> None:
    assert parse_message(f"/{word}").command is Command.OPT_OUT
    assert may_be_opt_out(f"/{word}")


@pytest.mark.parametrize("text", SENTENCES)
def test_opt_out_sentences_pass_the_first_look(text: str) -> None:
    assert parse_message(text).command is Command.OPT_OUT, text
    assert may_be_opt_out(text)


def test_no_utterance_the_parser_reads_as_an_opt_out_is_missed() -> None:
    opt_outs = [t for t, _ in ALL if parse_message(t).command is Command.OPT_OUT]
    assert len(opt_outs) >= 5  # the corpus does hold opt-outs
    assert [t for t in opt_outs if not may_be_opt_out(t)] == []


def test_ordinary_messages_skip_the_parse() -> None:
    ordinary = ["Hola, buenas tardes", "Busco a Rigoberto Andrés Quiñónez Paredes", "nació el 15 de julio de 1994",
                "sí", "es mi hermano", "guatemalteco, 31 años"]
    assert [t for t in ordinary if may_be_opt_out(t)] == []
