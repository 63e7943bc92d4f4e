"""pytest fixtures for the fake providers. Enable with ``pytest_plugins = ["tests.fakes.fixtures"]``
in tests/conftest.py, or import the fixtures into a test module.

Each test gets a fresh fake on its own free port: no state or fault leaks between tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.telegram_server import FakeTelegram
from tests.fakes.twilio_server import FakeTwilio


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
    fake.assert_no_internal_errors()


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
    fake.assert_no_internal_errors()
