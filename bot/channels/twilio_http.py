"""An HTTP client for the twilio SDK that sends every request to a configurable base URL.

The SDK builds absolute URLs on Twilio's own domains (``https://api.twilio.com/2010-04-01/...``)
and has no base-URL option. ``TWILIO_API_BASE_URL`` (CONTRACT) lets tests and demos point it at a
local fake speaking the same wire format, so we keep the path and query and swap only the scheme
and host (plus an optional path prefix, for a fake mounted under a sub-path).
"""

from __future__ import annotations

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


class RedirectingHttpClient(TwilioHttpClient):
    """``TwilioHttpClient`` whose requests all go to ``base_url`` instead of Twilio's domains."""

    def __init__(self, base_url: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
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
