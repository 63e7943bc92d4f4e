"""How the console shows things: Spanish labels, masked contacts, waiting times."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import phonenumbers

from bot.language.phones import mask_phones
from db.repositories.console import TranscriptLine

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
            "failed": "falló", "dead": "no se pudo enviar", "cancelled": "cancelado",
            "held": "retenido hasta que el familiar escriba"}
KINDS = {"reply": "asistente", "operator": "operador", "notification": "aviso", "followup": "seguimiento",
         "voice": "línea de voz", "template": "plantilla de WhatsApp"}


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


# Time without contact after which a case is "por vencer" and "vencido", by priority: a death is
# called within the half hour; nobody waits past the follow-up interval without a word.
SLA_MINUTES = {"urgent": (15, 30), "high": (60, 120), "normal": (240, 720)}
SLA_LABELS = {"ok": "a tiempo", "warn": "por vencer", "late": "vencido"}


def sla_state(priority: str, since: datetime | None, now: datetime, status: str = "open") -> str:
    """'ok', 'warn' or 'late' from the time without contact ('' for a resolved case)."""
    if status == "resolved" or since is None:
        return ""
    warn, late = SLA_MINUTES.get(priority, SLA_MINUTES["normal"])
    minutes = (now - since).total_seconds() / 60
    return "late" if minutes >= late else "warn" if minutes >= warn else "ok"


def local_time(value: datetime | None, tz: str) -> str:
    """'29/11/2026 08:43 MST': the incident's local time, always with its zone (operators in
    several countries read these)."""
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(tz))
    return f"{local:%d/%m/%Y %H:%M} {local.tzname() or tz}"


# The relative's role towards the sought person (bot/language/relationship.py codes), as a Spanish
# form says it ("Parentesco: hermano o hermana", never "sibling").
RELATIONSHIPS = {
    "mother": "madre", "father": "padre", "parent": "madre o padre", "child": "hijo o hija",
    "spouse": "cónyuge", "partner": "pareja", "sibling": "hermano o hermana", "cousin": "primo o prima",
    "uncle_aunt": "tío o tía", "nephew_niece": "sobrino o sobrina", "grandparent": "abuelo o abuela",
    "grandchild": "nieto o nieta", "in_law": "familia política", "step_parent": "padrastro o madrastra",
    "step_child": "hijastro o hijastra", "godparent": "padrino o madrina", "godchild": "ahijado o ahijada",
    "friend": "amistad", "neighbour": "vecino o vecina", "relative": "familiar",
}
# Labels of the details a relative gave (case page), and of audit details' keys.
DETAIL_LABELS = {
    "recording_url": "Nombre grabado en la llamada", "voice": "Línea de voz", "name": "Nombre buscado",
    "birth_date": "Fecha de nacimiento", "age": "Edad", "nationality": "Nacionalidad",
    "relationship": "Parentesco", "relative_name": "Nombre del familiar", "gender": "Género",
}


def detail_value(key: str, value: object) -> str:
    """A detail the relative gave, in Spanish."""
    if key == "relationship" and isinstance(value, str):
        return RELATIONSHIPS.get(value, value)
    if key == "birth_date" and isinstance(value, str) and len(value) == 10 and value[4] == "-":
        return f"{value[8:10]}/{value[5:7]}/{value[0:4]}"
    if isinstance(value, bool):
        return "sí" if value else "no"
    return str(value)


def audit_details(details: object) -> list[tuple[str, str]]:
    """An audit event's details as readable (key, value) lines: accents as they are, nested values
    flattened one level ("details.name"), lists joined."""
    if not isinstance(details, dict):
        return [("", str(details))]
    lines: list[tuple[str, str]] = []
    for key, value in details.items():
        if isinstance(value, dict):
            lines += [(f"{key}.{k}", _plain(v)) for k, v in value.items()]
        else:
            lines.append((str(key), _plain(value)))
    return lines


def _plain(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "sí" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    return str(value)


def shown_transcript(lines: list[TranscriptLine]) -> list[TranscriptLine]:
    """The transcript as an operator sees it: any phone number a relative wrote is masked (the
    call goes through the hotline; the whole number is for Twilio only, docs/console.md)."""
    return [replace(line, text=mask_phones(line.text)) if line.direction == "in" and line.text else line
            for line in lines]
