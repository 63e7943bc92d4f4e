"""The fake-provider fixtures for the tests of the fakes themselves (the rest of the suite gets them
through ``pytest_plugins`` in tests/conftest.py)."""

from tests.fakes.fixtures import fake_telegram, fake_twilio  # noqa: F401
