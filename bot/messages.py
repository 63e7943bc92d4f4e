"""The channel-neutral inbound message: what every adapter translates its provider's payload into."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InboundMessage:
    channel: str  # telegram, sms, whatsapp, local
    address: str  # chat id, phone number ("whatsapp:+..." for WhatsApp), local id
    provider_id: str  # update_id, MessageSid...: unique per channel, the idempotency key
    text: str | None
    media_kind: str | None = None  # voice, photo, sticker, video, document, other
