"""The channel-neutral inbound message: what every adapter translates its provider's payload into."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InboundMessage:
    channel: str  # telegram, sms, whatsapp, local
    address: str  # chat id, phone number ("whatsapp:+..." for WhatsApp), local id
    provider_id: str  # update_id, MessageSid...: unique per channel, the idempotency key
    text: str | None
    media_kind: str | None = None  # voice, photo, sticker, video, document, other, or a contact (below)


# A contact shared on Telegram (its "share my phone number" button, or any contact card). Only the
# relative's own is kept, with its number as the message's text; of someone else's nothing is kept.
CONTACT = "contact"
CONTACT_OTHER = "contact_other"
