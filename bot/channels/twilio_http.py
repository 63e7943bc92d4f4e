"""An HTTP client for the twilio SDK that sends every request to a configurable base URL.

The SDK builds absolute URLs on Twilio's own domains (``https://api.twilio.com/2010-04-01/...``)
and has no base-URL option. ``TWILIO_API_BASE_URL`` (CONTRACT) lets tests and demos point it at a
local fake speaking the same wire format, so we keep the path and query and swap only the scheme
and host (plus an optional path prefix, for a fake mounted under a sub-path).
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

TWILIO_DEFAULT_BASE_URL = "https://api.twilio.com"


def is_twilio_own(base_url: str) -> bool:
    """True when ``base_url`` is Twilio's own API host, where no rewriting is wanted."""
    parts = urlsplit(base_url.rstrip("/"))
    return parts.scheme == "https" and parts.netloc == "api.twilio.com" and parts.path in ("", "/")


def rewrite_url(url: str, base_url: str) -> str:
    """Replace the scheme and host of ``url`` by those of ``base_url``, keeping path and query."""
    base = urlsplit(base_url.rstrip("/"))
    if not base.scheme or not base.netloc:
        raise ValueError(f"TWILIO_API_BASE_URL must be an absolute URL, got {base_url!r}")
    target = urlsplit(url)
    return urlunsplit((base.scheme, base.netloc, base.path + target.path, target.query, target.fragment))


class RecordingHttpClient(TwilioHttpClient):
    """``TwilioHttpClient`` that remembers, per thread, the last response it got.

    The SDK's ``TwilioRestException`` has no headers, so a 429's ``Retry-After`` would be lost;
    the client's own ``last_response`` is shared by every thread sending at once. The outbox sends
    each message in its own thread, so the response of *this* send is the thread's last one.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._local = threading.local()

    def request(self, *args: object, **kwargs: object) -> Response:  # type: ignore[override]
        response: Response = super().request(*args, **kwargs)  # type: ignore[arg-type]
        self._local.response = response
        return response

    def thread_last_response(self) -> Response | None:
        return getattr(self._local, "response", None)


def retry_after_seconds(response: Response | None, default: float = 1.0, cap: float = 300.0) -> float:
    """The ``Retry-After`` of a 429 in seconds (Twilio may omit it: ``default``), at most ``cap``."""
    headers = (response.headers if response is not None else None) or {}
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        seconds = float(value) if value is not None else default
    except ValueError:
        seconds = default  # an HTTP date: rare for APIs; the default pause is safe
    return min(cap, max(0.0, seconds))


class RedirectingHttpClient(RecordingHttpClient):
    """``TwilioHttpClient`` whose requests all go to ``base_url`` instead of Twilio's domains."""

    def __init__(self, base_url: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        # Validate once, at construction, rather than on the first message.
        rewrite_url("https://api.twilio.com/", base_url)
        self.base_url = base_url.rstrip("/")

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        return super().request(
            method,
            rewrite_url(url, self.base_url),
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )
