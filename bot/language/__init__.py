"""Spanish understanding of a relative's message: pure functions, no I/O (see parse.parse_message)."""

from bot.language.commands import Command
from bot.language.names import NICKNAMES, SoughtName
from bot.language.nationality import spanish_country_name
from bot.language.parse import Mention, Understanding, parse_message

__all__ = ["NICKNAMES", "Command", "Mention", "SoughtName", "Understanding", "parse_message", "spanish_country_name"]
