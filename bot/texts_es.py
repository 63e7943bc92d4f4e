"""Every sentence the bot says, in one Spanish catalogue.

Tone (SPEC section 4): formal "usted", short sentences, calm, no jargon, no blame, no promises the
service cannot keep. Placeholders are filled by ``render``. SMS replies must stay within 3
segments once rendered for SMS (tests/dialogue/test_texts.py checks every text with the longest
realistic values).

The same words answer "no record" and "record not yet confirmed" (``ESCALATED``), so that a reply
never reveals who is on the list. The bot never states or hints at a death: ``TEAM_WILL_CALL`` is all
it says when a record says ``deceased``.
"""

from __future__ import annotations

WELCOME = (
    "Línea de información para familiares. Solo damos información verificada; "
    "los datos que nos envíe se usan únicamente para responderle."
)

ASK_NAME = "¿Cuál es el nombre completo de la persona que busca? (nombres y apellidos)"
ASK_NAME_AGAIN = (
    "No logré leer un nombre. Escriba por favor los nombres y apellidos de la persona, "
    "por ejemplo: José Luis Hernández García."
)
# The proof question names whose detail it wants ("de la persona que busca", never "su fecha"), and
# its words never depend on the roster: one, several or no records (SPEC 5).
ASK_BIRTH = (
    "Para proteger a las personas, necesito confirmar que usted la conoce. "
    "¿Cuál es la fecha de nacimiento de la persona que busca? (por ejemplo 3 de mayo de 1996). "
    "Si no la sabe, escriba la edad de la persona."
)
ASK_BIRTH_FULL = (
    "Para confirmar, necesito la fecha de nacimiento completa de la persona que busca "
    "(día, mes y año). Si no la sabe, escriba NO SÉ."
)
ASK_BIRTH_AGAIN = (
    "No logré leer la fecha. Escriba por favor la fecha de nacimiento de la persona que busca así: "
    "3 de mayo de 1996, o 03/05/1996. Si no la sabe, escriba NO SÉ."
)
ASK_NATIONALITY = "Gracias. ¿De qué país es la persona que busca?"
ASK_NATIONALITY_AGAIN = (
    "No logré leer el país. Escriba por favor el país de la persona que busca, por ejemplo: Guatemala. "
    "Si no lo sabe, escriba NO SÉ."
)
# One short phrase before the question: a greeting is answered, distress acknowledged, nothing promised.
GREETING_REPLY = "Hola, gracias por escribirnos."
ACK_DISTRESS = "Entendemos su preocupación."
# Two persons in one message: the first named is taken first, and the bot says so (SPEC 4).
SEVERAL_PERSONS = "Veo que busca a más de una persona. Empezamos por {first}; después seguimos con {rest}."
NEXT_PERSON = "Ahora seguimos con {name}."
OFFER_HUMAN_AFTER_FAILURES = (
    "Disculpe, no logro entenderle. Si lo desea, una persona del equipo puede ayudarle: "
    "escriba HUMANO."
)

DISCLOSURE = (
    "{name}: {status_text}. Lugar: {location}. "
    "Información verificada el {verified_on} por {source}."
)
# Words that fit a man or a woman alike (records carry no sex): "en libertad", not "liberado".
STATUS_TEXT = {
    "safe": "a salvo, sin lesiones",
    "hospitalized": "con vida, recibe atención médica",
    "transferred": "con vida, tras un traslado",
    "released": "con vida, en libertad",
    "returned": "con vida, de regreso en su país",
}
NO_LOCATION = "sin lugar registrado"
NO_VERIFIED_DATE = "fecha no registrada"

ESCALATED = (
    "Por ahora no tenemos información verificada que podamos darle. "
    "Una persona del equipo revisará su caso {reference} y le responderá por este mismo medio."
)
TEAM_WILL_CALL = (
    "Una persona de nuestro equipo necesita hablar con usted y le contactará en breve. "
    "Su número de caso es {reference}."
)
# On a channel that carries no phone number (web chat, Telegram), the person who will call needs one.
ASK_PHONE = (
    "¿A qué número de teléfono podemos llamarle? Escríbalo con el código internacional, "
    "por ejemplo: +502 5555 0123."
)
ASK_PHONE_AGAIN = (
    "No logré leer el número de teléfono. Escríbalo por favor con el código internacional, por ejemplo: +502 5555 0123."
)
PHONE_NOTED = "Gracias. Le llamaremos a ese número."
PHONE_NONE = "Entendido. Una persona del equipo le escribirá por este mismo medio."
# After HUMANO on a channel without a number: a call is offered, never required.
ASK_PHONE_OPTIONAL = (
    "Si prefiere que le llamemos, escriba su número de teléfono con el código internacional, "
    "por ejemplo: +502 5555 0123. Si no, escriba NO."
)
# A contact shared on Telegram: only the relative's own is taken as their number (never a third
# person's, who did not ask to be called); a number typed in words is the relative's own choice.
CONTACT_NOT_OWN = "Gracias. Ese contacto es de otra persona: no lo guardamos."
ASK_OWN_PHONE = (
    'Para que le llamemos a usted, toque "Compartir mi número" o escriba el número al que podemos '
    "llamarle, con el código internacional."
)
CONTACT_NOT_NEEDED = "Gracias. Por ahora no necesitamos su número de teléfono."
# An operator's reply is marked as the team's, never mistaken for the bot's (bot/cases/opening.py).
OPERATOR_REPLY_PREFIX = "Mensaje del equipo: "
HUMAN_REQUESTED = (
    "Una persona del equipo le atenderá por este mismo medio lo antes posible. "
    "Su número de caso es {reference}."
)
TURN_FAILED = (
    "Recibimos su mensaje. Una persona del equipo lo leerá y le responderá por este mismo medio "
    "lo antes posible. Su número de caso es {reference}."
)
OFFER_SUBSCRIPTION = "¿Desea que le avisemos por este medio cuando haya información verificada nueva? Responda SÍ o NO."
SUBSCRIBED = "Le avisaremos por este medio cuando haya información verificada nueva. Para dejar de recibir mensajes, escriba BAJA."
NOT_SUBSCRIBED = "Entendido, no le enviaremos avisos. Puede escribirnos cuando lo necesite."
ANYTHING_ELSE = "Si busca a otra persona, escriba OTRA."
AFTER_ANSWER = (
    "Estamos para ayudarle. Si busca a otra persona, escriba OTRA. "
    "Para hablar con una persona del equipo, escriba HUMANO."
)

CASE_STATUS = {
    "open": "Su caso {reference} está abierto. Una persona del equipo lo revisará y le responderá por este medio.",
    "in_progress": "Su caso {reference} está siendo revisado por una persona del equipo. Le responderemos por este medio.",
    "waiting": "Su caso {reference} espera una respuesta suya. Escríbanos por este medio.",
    "resolved": "Su caso {reference} está cerrado. Si necesita algo más, escríbanos por este medio.",
}
CASE_NOT_FOUND = "No encontramos el caso {reference} en esta conversación. Revise el código, por favor."
CASE_ASK_CODE = "Escriba CASO seguido del código, por ejemplo: CASO JRZ-4F7K."

HELP = (
    "Puede escribir el nombre de la persona que busca. Otras opciones: "
    "OTRA (buscar a otra persona), CASO y su código (estado de su caso), "
    "HUMANO (hablar con una persona), BAJA (no recibir más mensajes)."
)
NEW_SEARCH = "De acuerdo, buscamos a otra persona. " + ASK_NAME
OPTED_OUT = "No le enviaremos más mensajes. Si vuelve a escribirnos, le atenderemos."
MEDIA_UNREADABLE = (
    "Disculpe, solo podemos leer mensajes de texto. Escriba por favor su consulta. "
    "Si prefiere hablar con una persona, escriba HUMANO."
)
# A message in another language (a Mayan language): the Spanish reply, and a case marked as needing
# an interpreter (SPEC 4), so that a person finds one rather than the relative having to ask.
OTHER_LANGUAGE = (
    "Este servicio atiende en español e inglés. Una persona del equipo revisará su caso {reference} "
    "y buscará cómo ayudarle en su idioma, por este mismo medio."
)
CORRECTION_NOTED = "Gracias, lo corregí."
LOOKUP_LIMIT = ESCALATED  # same words: the limit is not announced as such

FOLLOWUP = (
    "Seguimos revisando su caso {reference}. Todavía no tenemos información verificada nueva. "
    "Le escribiremos en cuanto la tengamos."
)
STATUS_UPDATE_INTRO = "Hay información verificada nueva sobre la persona que busca. "


# Reply buttons (bot/engine/choices.py): labels, not sentences. Each is a word the dialogue reads
# when typed, so a tap is the same message as writing it.
BUTTONS = {
    "yes": "SÍ",
    "no": "NO",
    "human": "HUMANO",
    "other": "OTRA",
    "share_phone": "Compartir mi número",
    "no_phone": "No, gracias",
}


def render(template: str, **values: object) -> str:
    return template.format(**values)
