"""Who may use the local web chat: session ids issued by the server, and a per-address limit.

Session ids are **self-verifying**: 24 random bytes (``secrets.token_urlsafe``, 192 bits) and an
HMAC-SHA256 of them under ``HOTLINE_SECRET_KEY`` (itsdangerous' ``Signer``, the library that
already signs the console's sessions). Every API process that shares the key recognises every id,
with nothing to store or look up: no table, no migration, no database work before the id is
trusted, and an id the server did not issue (a guessed, made-up or altered one) fails the HMAC.
A table would have let us revoke single ids, which a demo channel does not need; changing the key
ends every web-chat session at once (the page then starts a new one).

The limit is a moving window per client address (the ``limits`` library, in process memory): it
holds per API process, so behind a load balancer with N processes an address gets up to N times
the limit. That is acceptable for a local channel (off unless ``HOTLINE_WEBCHAT=1``); the guard
that holds across processes and channels is the policy's proof lock. The address is the one the
server sees: behind a reverse proxy, uvicorn takes it from ``X-Forwarded-For`` when the proxy is in
``FORWARDED_ALLOW_IPS`` (default 127.0.0.1). Nothing here depends on the roster.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
import time
from dataclasses import dataclass

from fastapi import Request
from itsdangerous import BadSignature, Signer
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from common.settings import Settings

RANDOM_BYTES = 24  # 192 random bits (at least 128 are required)
_RANDOM_CHARS = len(secrets.token_urlsafe(RANDOM_BYTES))
_SALT = "hotline.webchat.session"


def _signer(settings: Settings) -> Signer:
    return Signer(settings.hotline_secret_key, salt=_SALT, digest_method=hashlib.sha256)


def issue_session_id(settings: Settings) -> str:
    """A new session id: ``<random>.<hmac>``."""
    return _signer(settings).sign(secrets.token_urlsafe(RANDOM_BYTES)).decode("ascii")


def verified_address(settings: Settings, session_id: str) -> str | None:
    """The conversation address of an id this server issued; None for any other string."""
    if len(session_id) > 200 or not session_id.isascii():
        return None
    try:
        random_part = _signer(settings).unsign(session_id).decode("ascii")
    except BadSignature:
        return None
    if len(random_part) != _RANDOM_CHARS:
        return None
    return f"web-{random_part}"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds, when not allowed


class AddressLimiter:
    """Messages per minute per client address, and new sessions at a quarter of that rate (at
    least one a minute): enough for a relative, too few to step through guesses."""

    def __init__(self, messages_per_minute: int) -> None:
        self._storage = MemoryStorage()
        self._window = MovingWindowRateLimiter(self._storage)
        self._messages = RateLimitItemPerMinute(messages_per_minute) if messages_per_minute > 0 else None
        self._sessions = RateLimitItemPerMinute(max(1, messages_per_minute // 4)) if messages_per_minute > 0 else None

    def message(self, address: str) -> Verdict:
        return self._hit(self._messages, "message", address)

    def new_session(self, address: str) -> Verdict:
        return self._hit(self._sessions, "session", address)

    def _hit(self, item: RateLimitItem | None, kind: str, address: str) -> Verdict:
        if item is None or self._window.hit(item, kind, address):
            return Verdict(True)
        reset_at = self._window.get_window_stats(item, kind, address).reset_time
        return Verdict(False, max(1, math.ceil(reset_at - time.time())))


_limiter_lock = threading.Lock()


def limiter_of(request: Request) -> AddressLimiter:
    """The app's limiter, made on first use (one per app, so that each test app starts afresh)."""
    state = request.app.state
    with _limiter_lock:
        if getattr(state, "webchat_limiter", None) is None:
            state.webchat_limiter = AddressLimiter(state.settings.webchat_messages_per_minute)
        limiter: AddressLimiter = state.webchat_limiter
    return limiter


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
