"""How the console shows things: Spanish labels, masked contacts, waiting times."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import phonenumbers

REASONS = {
    "no_match": "Sin coincidencia",
    "ambiguous": "Varias coincidencias",
    "unconfirmed": "Estado sin confirmar",
    "conflicting_details": "Datos que no coinciden",
    "restricted": "Registro restringido",
    "death_notification": "Notificación de fallecimiento",
    "asked_for_person": "Pidió hablar con una persona",
    "abuse_limit": "Límite de consultas",
    "unreadable_media": "Mensaje no legible (audio o imagen)",
    "no_proof": "Sin prueba de conocimiento",
    "proof_attempts": "Intentos de prueba (persona bloqueada)",
    "needs_interpreter": "Necesita intérprete",
    "other": "Otro",
}
PRIORITIES = {"urgent": "Urgente", "high": "Alta", "normal": "Normal"}
CASE_STATUSES = {"open": "Abierto", "in_progress": "En curso", "waiting": "Esperando al familiar",
                 "resolved": "Resuelto"}
STATUSES = {
    "unconfirmed": "Sin confirmar",
    "safe": "A salvo",
    "hospitalized": "Hospitalizado",
    "transferred": "Trasladado",
    "released": "Liberado",
    "returned": "Retornado a su país",
    "deceased": "Fallecido",
}
CHANNELS = {"sms": "SMS", "whatsapp": "WhatsApp", "telegram": "Telegram", "local": "Chat local",
            "voice": "Línea de voz"}
DELIVERY = {"queued": "en cola", "sending": "enviando", "sent": "enviado", "delivered": "entregado",
            "failed": "falló", "dead": "no se pudo enviar", "cancelled": "cancelado"}
KINDS = {"reply": "asistente", "operator": "operador", "notification": "aviso", "followup": "seguimiento",
         "voice": "línea de voz"}


def mask_address(channel: str | None, address: str | None) -> str:
    """A contact as lists show it: enough to tell two apart, never the whole number or id.

    "+50255510123" -> "+502 ****0123"; a Telegram chat id "987654321" -> "tg ****4321"."""
    if not address:
        return "—"
    prefix = ""
    value = address
    if value.startswith("whatsapp:"):
        prefix, value = "whatsapp ", value.removeprefix("whatsapp:")
    if value.startswith("+"):
        digits = "".join(c for c in value if c.isdigit())
        try:
            country = str(phonenumbers.parse(value, None).country_code)
        except phonenumbers.NumberParseException:
            country = digits[:2]
        return f"{prefix}+{country} ****{digits[-4:]}"
    tail = value[-4:] if len(value) > 6 else ""
    label = {"telegram": "tg", "local": "web"}.get(channel or "", channel or "")
    return f"{label} ****{tail}".strip()


def duration(since: datetime | None, now: datetime) -> str:
    """'3 d 4 h', '2 h 05 min', '7 min' — how long ago, short."""
    if since is None:
        return "—"
    seconds = max(0, int((now - since).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


def local_time(value: datetime | None, tz: str) -> str:
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(tz)).strftime("%d/%m/%Y %H:%M")
