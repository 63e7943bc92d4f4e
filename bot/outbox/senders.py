"""What a channel sender is, and the errors it may raise. Adapters live in bot/channels/."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, runtime_checkable


class SendError(Exception):
    """A failed send that may succeed later (network error, provider 5xx, timeout)."""


class RateLimited(SendError):
    """The provider asked us to wait (Telegram 429 retry_after, Twilio 20429)."""

    def __init__(self, retry_after: float, message: str = "rate limited") -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(SendError):
    """Never retried: the recipient blocked the bot, opted out, or the address is invalid."""

    def __init__(self, message: str, *, opted_out: bool = False) -> None:
        super().__init__(message)
        self.opted_out = opted_out


class Sender(Protocol):
    channel: str

    async def send(self, recipient: str, text: str) -> str | None:
        """Send ``text``; return the provider's message id."""
        ...


@runtime_checkable
class ProviderLog(Protocol):
    """A sender whose provider keeps a log of the messages it accepted (Twilio). A row whose send
    was under way when its worker died is checked here before it is sent again."""

    async def find_sent(self, recipient: str, text: str | None, since: datetime) -> list[str]:
        """Provider ids of messages with exactly ``text`` to ``recipient`` (any message to them when
        ``text`` is None: a WhatsApp template, whose words the provider fills in), accepted since
        ``since``, newest first. Raises SendError when the log cannot be read."""
        ...


class WindowClosed(PermanentError):
    """The provider refused free text because the recipient's window is closed (WhatsApp's 24 hours,
    Twilio 63016): nothing was sent; the outbox holds the row until they write (bot/whatsapp_window.py)."""


@runtime_checkable
class SendsTemplates(Protocol):
    """A sender that can send the approved WhatsApp template (Twilio's ContentSid) in place of text."""

    async def send_template(self, recipient: str, variables: dict[str, str]) -> str | None:
        """Send the configured template filled with ``variables``; the provider's message id."""
        ...


@runtime_checkable
class ShowsChoices(Protocol):
    """A sender whose channel shows the answers a message offers as buttons (Telegram's reply
    keyboards). Rows with choices (bot/engine/choices.py, as stored) go through it; other senders
    send the text alone."""

    async def send_with_choices(self, recipient: str, text: str, choices: dict[str, Any]) -> str | None:
        """Send ``text`` with its buttons (or with the earlier ones taken away); the provider's id."""
        ...
