"""Build the python-telegram-bot ``Bot`` aimed at ``TELEGRAM_API_BASE_URL``.

PTB appends the token to ``base_url`` (``https://api.telegram.org/bot`` + token), so we pass
``<TELEGRAM_API_BASE_URL>/bot`` and ``<TELEGRAM_API_BASE_URL>/file/bot``; the same code then talks
to Telegram, to a local Bot API server, or to the test fake.
"""

from __future__ import annotations

from telegram import Bot
from telegram.request import HTTPXRequest

TELEGRAM_DEFAULT_BASE_URL = "https://api.telegram.org"

# Seconds. A send that hangs longer is abandoned (telegram.error.TimedOut) and retried by the
# outbox; the pool is sized for the overall rate of about 30 messages per second.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
WRITE_TIMEOUT = 10.0
POOL_TIMEOUT = 5.0
POOL_SIZE = 32


def make_request(
    *,
    read_timeout: float = READ_TIMEOUT,
    connect_timeout: float = CONNECT_TIMEOUT,
    pool_size: int = POOL_SIZE,
) -> HTTPXRequest:
    return HTTPXRequest(
        connection_pool_size=pool_size,
        read_timeout=read_timeout,
        write_timeout=WRITE_TIMEOUT,
        connect_timeout=connect_timeout,
        pool_timeout=POOL_TIMEOUT,
    )


def make_bot(
    token: str, base_url: str = TELEGRAM_DEFAULT_BASE_URL, *, read_timeout: float = READ_TIMEOUT
) -> Bot:
    """A ``telegram.Bot`` for ``token`` talking to the Bot API at ``base_url`` (no trailing /bot)."""
    root = base_url.rstrip("/")
    return Bot(
        token,
        base_url=f"{root}/bot",
        base_file_url=f"{root}/file/bot",
        request=make_request(read_timeout=read_timeout),
        # getUpdates long-polls: PTB adds the poll timeout to this read timeout itself.
        get_updates_request=make_request(read_timeout=read_timeout, pool_size=1),
    )
