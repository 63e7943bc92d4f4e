"""Telegram Update JSON -> InboundMessage. Only private chats are served: a relative's details
must never be posted in a group."""

from __future__ import annotations

from typing import Any

from bot.messages import InboundMessage

_MEDIA_KEYS = (
    ("voice", "voice"), ("audio", "voice"), ("video_note", "video"), ("video", "video"), ("photo", "photo"),
    ("sticker", "sticker"), ("animation", "video"), ("document", "document"), ("location", "other"),
    ("contact", "other"),
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
    text = message.get("text") if isinstance(message.get("text"), str) else None
    media = next((kind for key, kind in _MEDIA_KEYS if key in message), None)
    if text is None and isinstance(message.get("caption"), str):
        text = message["caption"]
    if text is None and media is None:
        return None
    return InboundMessage(channel="telegram", address=str(chat["id"]), provider_id=str(update_id),
                          text=text, media_kind=media)
