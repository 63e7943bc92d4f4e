"""Calling the ASGI application directly, to see how much of a request body it reads.

A TestClient hands the app the whole body at once; a real server hands it over as the client sends
it. Here the body is a generator of chunks, handed over one ``http.request`` message at a time, and
the test learns how many bytes the application pulled before it answered.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio

CHUNK = 64 * 1024


def zeros(total: int, chunk: int = CHUNK) -> Iterator[bytes]:
    """``total`` bytes of a harmless body, made as they are pulled (never all in memory)."""
    sent = 0
    while sent < total:
        n = min(chunk, total - sent)
        sent += n
        yield b"0" * n


@dataclass
class Answer:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    pulled: int = 0  # body bytes the application received

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def call(app: Any, method: str, path: str, body: Iterable[bytes] = (), *,
         headers: dict[str, str] | None = None) -> Answer:
    """One request to ``app``; the body chunks are handed over only when the app asks for them."""
    answer = Answer()
    chunks = iter(body)
    pending: list[bytes] = []
    done = False

    async def receive() -> dict[str, Any]:
        nonlocal done
        if done:
            return {"type": "http.disconnect"}
        if not pending:
            nxt = next(chunks, None)
            if nxt is None:
                done = True
                return {"type": "http.request", "body": b"", "more_body": False}
            pending.append(nxt)
        piece = pending.pop()
        answer.pulled += len(piece)
        return {"type": "http.request", "body": piece, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = {k.decode().lower(): v.decode() for k, v in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            answer.body += message.get("body", b"")

    raw_headers = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    raw_headers.append((b"host", b"testserver"))
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"", "headers": raw_headers,
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80), "state": {},
    }

    async def run() -> None:
        with anyio.fail_after(60):
            await app(scope, receive, send)

    anyio.run(run)
    return answer
