"""Build the twilio SDK client from settings (outbound SMS/WhatsApp through the REST API)."""

from __future__ import annotations

from twilio.rest import Client

from bot.channels.twilio_http import RecordingHttpClient, RedirectingHttpClient, is_twilio_own
from common.settings import Settings

# Seconds before a Twilio request is abandoned; the outbox retries later, so a hung call must not
# hold the worker. Twilio answers a message create in well under a second normally.
TWILIO_TIMEOUT_SECONDS = 15.0


def make_twilio_client(settings: Settings, *, timeout: float = TWILIO_TIMEOUT_SECONDS) -> Client:
    """A ``twilio.rest.Client`` for the configured account, aimed at ``TWILIO_API_BASE_URL``."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        raise ValueError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are required for the SMS channel")
    http_client: RecordingHttpClient
    if is_twilio_own(settings.twilio_api_base_url):
        http_client = RecordingHttpClient(timeout=timeout)
    else:
        http_client = RedirectingHttpClient(settings.twilio_api_base_url, timeout=timeout)
    return Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http_client)
