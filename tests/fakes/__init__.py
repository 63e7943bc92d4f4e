"""Fake Telegram and Twilio: real local HTTP servers speaking the providers' wire formats.

``FakeTelegram`` and ``FakeTwilio`` are driven by the real SDKs in tests; fixtures are in
``tests.fakes.fixtures``. Everything they produce is fictional.
"""

from tests.fakes.telegram_server import FakeTelegram, UpdateFactory
from tests.fakes.twilio_server import FakeTwilio

__all__ = ["FakeTelegram", "FakeTwilio", "UpdateFactory"]
