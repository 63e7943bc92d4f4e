"""Shared machinery of the fake providers: a real HTTP server on 127.0.0.1, call recording, faults.

Standard-library ``ThreadingHTTPServer`` on purpose: one thread per connection means a response held
for a "timeout" fault, or a getUpdates long poll, never blocks other clients, and a test thread can
change the fake's state (push updates, inject faults) with plain locks and no event loop.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

# How long a "timeout" fault holds its response unless told otherwise: far beyond any client
# timeout we configure, and released at once when the fake stops.
DEFAULT_HOLD_SECONDS = 60.0


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)


@dataclass
class FakeResponse:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> FakeResponse:
        hdrs = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        return cls(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), hdrs)


@dataclass
class Fault:
    kind: str  # "fail", "rate_limit" or "timeout"
    status: int = 500
    retry_after: int | None = None
    hold: float = DEFAULT_HOLD_SECONDS
    processed: bool = False  # timeout only: the provider acted before the client gave up
    method: str | None = None  # only calls of this API method; None: any


class Faults:
    """Fault plan shared by both fakes: one-shot faults in order, a random failure ratio, a delay."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[Fault] = []
        self._ratio = 0.0
        self._ratio_status = 500
        self._ratio_method: str | None = None
        self._rng = random.Random(0)
        self.delay_seconds = 0.0

    def add(self, fault: Fault, n: int) -> None:
        with self._lock:
            self._queue.extend(Fault(**vars(fault)) for _ in range(n))

    def set_ratio(self, ratio: float, seed: int, status: int, method: str | None) -> None:
        if not 0.0 <= ratio <= 1.0:
            raise ValueError("ratio must be between 0 and 1")
        with self._lock:
            self._ratio, self._rng, self._ratio_status = ratio, random.Random(seed), status
            self._ratio_method = method

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._ratio = 0.0
            self.delay_seconds = 0.0

    def take(self, method: str) -> Fault | None:
        """The fault for this call, if any (consumes a one-shot fault)."""
        with self._lock:
            for i, fault in enumerate(self._queue):
                if fault.method is None or fault.method == method:
                    return self._queue.pop(i)
            if (
                self._ratio
                and (self._ratio_method is None or self._ratio_method == method)
                and self._rng.random() < self._ratio
            ):
                return Fault("fail", status=self._ratio_status)
        return None

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)


def _make_handler(fake: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.1 keep-alive, as the SDKs' connection pools expect from the real services.
        protocol_version = "HTTP/1.1"
        server_version = "fake-provider"
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle plus delayed ACKs add
        # about 40 ms to every keep-alive response.
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            request = FakeRequest(
                method=self.command,
                path=parts.path,
                query=query,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            try:
                response = fake._dispatch(request)
            except Exception as exc:  # a bug in the fake must show up, not hang the client
                response = FakeResponse(500, f"fake server error: {exc!r}".encode(), {})
                fake._errors.append(exc)
            try:
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(response.body)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up (its timeout fired): exactly what a timeout fault is for.
                self.close_connection = True

        do_GET = do_POST = do_DELETE = do_PUT = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            pass

    return Handler


class FakeServer:
    """Base of the fakes: lifecycle, recording of calls and the fault plan."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host, self._port = host, port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.RLock()
        self._calls: list[dict[str, Any]] = []
        self._errors: list[Exception] = []
        self.faults = Faults()

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> Self:
        self._stopping.clear()
        self._httpd = ThreadingHTTPServer((self._host, self._port), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases held responses and long polls
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("fake server not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:53211`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    # -- fault injection -------------------------------------------------------------------
    def fail_next(self, n: int = 1, status: int = 500, *, method: str | None = None) -> None:
        """The next ``n`` calls (of ``method``, or any) answer ``status`` with the provider's error body."""
        self.faults.add(Fault("fail", status=status, method=method), n)

    def fail_ratio(
        self, ratio: float, seed: int = 0, *, status: int = 500, method: str | None = None
    ) -> None:
        """From now on each call (of ``method``, or any) fails with probability ``ratio``,
        reproducibly for a given ``seed``; ``fail_ratio(0)`` stops it."""
        self.faults.set_ratio(ratio, seed, status, method)

    def rate_limit_next(self, n: int = 1, retry_after: int = 1, *, method: str | None = None) -> None:
        """The next ``n`` calls answer 429 in the provider's format."""
        self.faults.add(Fault("rate_limit", status=429, retry_after=retry_after, method=method), n)

    def delay(self, seconds: float) -> None:
        """Every response waits ``seconds`` first (0 to stop)."""
        self.faults.delay_seconds = seconds

    def timeout_next(
        self,
        n: int = 1,
        *,
        hold: float = DEFAULT_HOLD_SECONDS,
        processed: bool = False,
        method: str | None = None,
    ) -> None:
        """Hold the next ``n`` responses for ``hold`` seconds, beyond the client's timeout.

        ``processed=True`` models the nasty real case: the provider did send the message, only
        the answer never arrived (the call is recorded and the message stored before the hold).
        """
        self.faults.add(Fault("timeout", hold=hold, processed=processed, method=method), n)

    def clear_faults(self) -> None:
        self.faults.clear()

    # -- recording -------------------------------------------------------------------------
    @property
    def calls(self) -> list[dict[str, Any]]:
        """Every API call received, in order: dicts with method, params, status, at, monotonic..."""
        with self._lock:
            return [dict(c) for c in self._calls]

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["method"] == method]

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def max_calls_within(self, seconds: float, method: str, **match: Any) -> int:
        """Largest number of successful ``method`` calls in any window of ``seconds`` (by monotonic
        time), optionally only those whose recorded fields equal ``match`` (e.g. ``chat_id=5``).
        For benchmarks of pacing; tests should not assert on timing."""
        times = sorted(
            c["monotonic"]
            for c in self.calls_of(method)
            if 200 <= c["status"] < 300 and all(c.get(k) == v for k, v in match.items())
        )
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    def _record(self, method: str, params: dict[str, Any], status: int, **extra: Any) -> dict[str, Any]:
        entry = {
            "method": method,
            "params": params,
            "status": status,
            "at": datetime.now(UTC),
            "monotonic": time.monotonic(),
            **extra,
        }
        with self._lock:
            self._calls.append(entry)
        return entry

    # -- request pipeline ------------------------------------------------------------------
    def _dispatch(self, request: FakeRequest) -> FakeResponse:
        raise NotImplementedError

    def _apply_faults(
        self,
        method: str,
        act: Callable[[], FakeResponse],
        error: Callable[[Fault], FakeResponse],
        record: Callable[[FakeResponse, str | None], None],
    ) -> FakeResponse:
        """Run one authenticated API call through the fault plan.

        ``act`` performs the call and returns its response; ``error`` builds the provider's error
        for a fault; ``record`` stores the call with its outcome ("fault:<kind>" or None).
        """
        if self.faults.delay_seconds:
            self._stopping.wait(self.faults.delay_seconds)
        fault = self.faults.take(method)
        if fault is None:
            response = act()
            record(response, None)
            return response
        if fault.kind == "timeout":
            response = act() if fault.processed else error(Fault("fail", status=504))
            record(response, "fault:timeout")
            self._stopping.wait(fault.hold)
            return response
        response = error(fault)
        record(response, f"fault:{fault.kind}")
        return response

    def assert_no_internal_errors(self) -> None:
        """Raise if the fake itself crashed on some request (a bug in the fake, not the client)."""
        if self._errors:
            raise AssertionError(f"fake server raised: {self._errors!r}")


class CaptureServer(FakeServer):
    """A receiver standing in for our webhook endpoints: keeps every request, answers ``status``.

    For checking what a fake sends (status callbacks, webhook deliveries) without the app.
    """

    def __init__(self, status: int = 200, body: bytes = b"", host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self.status, self.body = status, body
        self.requests: list[FakeRequest] = []

    def _dispatch(self, request: FakeRequest) -> FakeResponse:
        with self._lock:
            self.requests.append(request)
        return FakeResponse(self.status, self.body, {"Content-Type": "text/plain"})
