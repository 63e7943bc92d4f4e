"""Telegram Update JSON -> InboundMessage. Only private chats are served: a relative's details
must never be posted in a group.

A shared contact (``message.contact``: the "share my phone number" button sends the user's own) is
the relative's own only when ``contact.user_id`` is the sender's id; then its number is the text.
Anyone else's contact is recorded as such without its number or name (bot/messages.py)."""

from __future__ import annotations

from typing import Any

from bot.messages import CONTACT, CONTACT_OTHER, InboundMessage

_MEDIA_KEYS = (
    ("voice", "voice"), ("audio", "voice"), ("video_note", "video"), ("video", "video"), ("photo", "photo"),
    ("sticker", "sticker"), ("animation", "video"), ("document", "document"), ("location", "other"),
)


def translate_update(update: dict[str, Any]) -> InboundMessage | None:
    """The neutral message in ``update``, or None when there is nothing for the bot to answer."""
    update_id = update.get("update_id")
    message = update.get("message")
    if not isinstance(update_id, int) or not isinstance(message, dict):
        return None
    chat = message.get("chat")
    # Whatever the JSON holds, never an exception: a failing update is answered 500, and Telegram
    # redelivers it forever.
    if not isinstance(chat, dict) or chat.get("type", "private") != "private":
        return None
    if not isinstance(chat.get("id"), int) or isinstance(chat.get("id"), bool):
        return None
    if isinstance(message.get("contact"), dict):
        text, kind = _contact(message["contact"], message.get("from"))
        return InboundMessage(channel="telegram", address=str(chat["id"]), provider_id=str(update_id),
                              text=text, media_kind=kind)
    text = message.get("text") if isinstance(message.get("text"), str) else None
    media = next((kind for key, kind in _MEDIA_KEYS if key in message), None)
    if text is None and isinstance(message.get("caption"), str):
        text = message["caption"]
    if text is None and media is None:
        return None
    return InboundMessage(channel="telegram", address=str(chat["id"]), provider_id=str(update_id),
                          text=text, media_kind=media)


def _contact(contact: dict[str, Any], sender: Any) -> tuple[str | None, str]:
    """(the number, CONTACT) for the sender's own contact; (None, CONTACT_OTHER) for anyone else's."""
    sender_id = sender.get("id") if isinstance(sender, dict) else None
    user_id = contact.get("user_id")
    own = isinstance(user_id, int) and not isinstance(user_id, bool) and user_id == sender_id
    if not own:
        return None, CONTACT_OTHER
    number = contact.get("phone_number")
    if not isinstance(number, str):
        return None, CONTACT
    # Telegram gives the number in international form, mostly without its "+".
    digits = "".join(c for c in number if c.isdigit())[:20]
    return ("+" + digits if digits else None), CONTACT
