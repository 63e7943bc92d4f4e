"""Settings from the environment (pydantic-settings). A leaf module: anyone may import it.

Secrets come only from the environment. A channel whose credentials are absent is simply off.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.secret_key import DEV_SECRET_KEY, secret_key_problem, weak_secret_message

# A closed set: a typo ("prod", "staging") must not quietly run with development's allowances.
HOTLINE_ENVS = ("development", "production")


def normalise_database_url(url: str) -> str:
    """Accept the URLs people write (postgres://, postgresql://) and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    # "production" refuses a weak secret key everywhere; "development" only lets one through to
    # `hotline demo` and a server bound to loopback, which replace it with a random key
    # (api/commands/server.py).
    hotline_env: Literal["development", "production"] = "development"
    database_url: str = Field(default_factory=lambda: f"sqlite:///{Path.cwd() / 'hotline.db'}")
    hotline_public_url: str = "http://127.0.0.1:8000"
    hotline_secret_key: str = DEV_SECRET_KEY
    # The domain of PFIF record ids ("domain/unique"); unset: HOTLINE_PUBLIC_URL's host. Person
    # Finder accepts only a domain name (no IP address, no single label such as localhost).
    pfif_domain: str | None = None

    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_phone_number: str | None = None
    twilio_api_base_url: str = "https://api.twilio.com"
    twilio_messages_per_second: float = 1.0
    # WhatsApp (SPEC 6): free text only within this many hours of the relative's last message;
    # outside it the outbox holds the text and sends this approved neutral template (its ContentSid)
    # instead (bot/whatsapp_window.py). Unset: held texts wait for the relative to write, unannounced.
    twilio_whatsapp_template_sid: str | None = Field(default=None, pattern=r"^HX[0-9a-fA-F]{32}$")
    whatsapp_window_hours: float = Field(default=24.0, gt=0)

    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    telegram_messages_per_second: float = 30.0
    telegram_per_chat_per_second: float = 1.0

    # Where the workers share the provider limits above (bot/outbox/redis_slots.py): unset, in
    # PostgreSQL (or the one process's own pace on SQLite); set (redis://host:6379/0), in Redis.
    redis_url: str | None = None
    redis_key_prefix: str = "hotline"  # deployments sharing one Redis keep their limits apart

    # Where the webhooks keep messages while the database is unreachable (bot/spool.py). Per host;
    # it must survive a restart (a volume in a container: the image sets /data/spool).
    hotline_spool_dir: Path = Field(default_factory=lambda: Path.cwd() / "hotline-spool")

    # How long a worker holds the outbox rows it claimed. A worker that dies mid-batch leaves its
    # rows to others once this runs out; keep it well above the slowest provider call.
    outbox_lease_seconds: float = 60.0

    # Disclosure policy defaults (SPEC section 5); configurable per deployment.
    lookup_limit_persons: int = 5
    lookup_limit_window_hours: int = 24
    # Rule 6: this many failed proofs about one person within the window, from any contacts, lock it.
    proof_lock_attempts: int = Field(default=3, ge=1)
    proof_lock_window_days: float = Field(default=7.0, gt=0)
    followup_interval_hours: float = 12.0
    retention_days: int = 90

    # Case references read "JRZ-4F7K": a short prefix for the incident or the hotline.
    hotline_case_prefix: str = "JRZ"
    # Times told to relatives (when a status was verified) are in the incident's time zone.
    hotline_timezone: str = "America/Ciudad_Juarez"

    # The local web chat (/chat) is for demos, training and tests, not a production channel: off
    # unless HOTLINE_WEBCHAT=1 (`hotline demo` always turns it on). Its limit is per client address
    # and per API process; 0 means no limit (tests).
    hotline_webchat: bool = False
    webchat_messages_per_minute: int = Field(default=20, ge=0)

    # Console accounts (docs/console.md): a session ends after this long without a request, and in
    # any case this long after login. The second factor (TOTP) is required for every account in
    # production; elsewhere it is optional unless HOTLINE_REQUIRE_SECOND_FACTOR=1.
    console_idle_minutes: float = Field(default=30.0, gt=0)
    console_session_hours: float = Field(default=12.0, gt=0)
    hotline_require_second_factor: bool | None = None

    log_level: str = "INFO"

    @field_validator("hotline_env", mode="before")
    @classmethod
    def _known_env(cls, value: object) -> object:
        name = value.strip().lower() if isinstance(value, str) else value
        if name not in HOTLINE_ENVS:
            raise ValueError(f"HOTLINE_ENV must be one of {', '.join(HOTLINE_ENVS)} (got {value!r})")
        return name

    @field_validator("twilio_whatsapp_template_sid", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # An empty line in .env means "not configured", not a malformed ContentSid.
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> Settings:
        problem = secret_key_problem(self.hotline_secret_key)
        if self.hotline_env == "production" and problem:
            raise ValueError(weak_secret_message(problem))
        self.database_url = normalise_database_url(self.database_url)
        return self

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite (``database_url`` is normalised by the validator above)."""
        return self.database_url.startswith("sqlite")

    @property
    def second_factor_required(self) -> bool:
        if self.hotline_require_second_factor is not None:
            return self.hotline_require_second_factor
        return self.hotline_env == "production"

    @property
    def twilio_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_phone_number)

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token)


@lru_cache
def get_settings() -> Settings:
    return Settings()
