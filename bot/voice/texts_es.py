"""Every sentence the voice line says, in Spanish for text to speech (es-MX).

Spoken, not written: short sentences, formal "usted", numbers as the keypad shows them, nothing
that needs reading. The same rules as the chat's catalogue (bot/texts_es.py): the questions never
depend on the roster; the uniform case words answer "no record", "not confirmed", restricted,
conflicting details, proof lock and limit alike; a death is never said nor hinted at
(``TEAM_WILL_CALL`` is all the caller hears, and it says nothing "por este medio": the team calls).

The contract (CONTRACT.md, ``POST /webhooks/twilio/voice``): the name prompt says "nombre", the date
prompt says "fecha de nacimiento"; read-backs say neither, so a scripted caller can tell them apart.
"""

from __future__ import annotations

WELCOME = (
    "Línea de información para familiares. Solo damos información verificada. "
    "Sus datos se usan únicamente para responderle. "
    "En cualquier momento, marque cero para hablar con una persona del equipo."
)
ASK_NAME = "Diga el nombre completo de la persona que busca: nombres y apellidos."
ASK_NAME_AGAIN = "No le entendí bien. Diga despacio el nombre completo de la persona que busca."
CONFIRM_NAME = "Entendí: {name}. Si es correcto, marque 1. Si no, marque 2."
ASK_RECORDING = (
    "Disculpe, no logro entender el nombre. Después del tono, diga el nombre completo de la persona "
    "que busca. Una persona del equipo lo escuchará."
)

ASK_BIRTH = (
    "Para proteger a las personas, marque en el teclado la fecha de nacimiento de la persona que busca: "
    "día, mes y año, ocho dígitos. Por ejemplo, para el 3 de mayo de 1996, marque: 0 3, 0 5, 1 9 9 6. "
    "Si no la sabe, marque 9. Para hablar con una persona, marque solo el cero."
)
ASK_BIRTH_AGAIN = (
    "No logré entender esa fecha. Marque la fecha de nacimiento de la persona que busca con ocho dígitos: "
    "dos del día, dos del mes y cuatro del año. Si no la sabe, marque 9."
)
CONFIRM_BIRTH = "Entendí: {date}. Si es correcto, marque 1. Si no, marque 2."

# Asked once, short of a disclosure, whatever the roster holds (see bot/voice/flow.py).
ASK_NATIONALITY = (
    "¿De qué país es la persona que busca? "
    "Marque 1 para Guatemala. 2 para Honduras. 3 para El Salvador. 4 para México. "
    "5 para Venezuela. 6 para Colombia. 7 para Ecuador. 8 para otro país. Si no lo sabe, marque 9."
)
NATIONALITY_MENU = {"1": "GT", "2": "HN", "3": "SV", "4": "MX", "5": "VE", "6": "CO", "7": "EC"}

REPEAT = "Repito."
HEAR_AGAIN = "Para escucharlo otra vez, marque 1. Para continuar, marque 2."

# The uniform case words (SPEC 5): the same for every reason a person reviews the call.
ESCALATED = (
    "Por ahora no tenemos información verificada que podamos darle. "
    "Una persona del equipo revisará su caso y le llamará a este número."
)
# A death: only that a person needs to speak with them and will call this number.
TEAM_WILL_CALL = "Una persona de nuestro equipo necesita hablar con usted y le llamará a este número en breve."
HUMAN_REQUESTED = "Una persona del equipo le llamará a este número lo antes posible."
NO_ANSWER = "No recibimos su respuesta. Una persona del equipo le llamará a este número."
RECORDED = "Gracias. Una persona del equipo escuchará el nombre y le llamará a este número."
CASE_REFERENCE = "Su número de caso es: {spelled}. Repito: {spelled}."

OFFER_SMS = (
    "¿Desea recibir avisos por SMS en este número cuando haya información verificada nueva? "
    "Si lo desea, marque 1. Si no, marque 2."
)
SMS_YES = "Le enviaremos los avisos por SMS a este número. Para dejar de recibirlos, responda BAJA."
SMS_NO = "Entendido, no le enviaremos avisos."
GOODBYE = "Gracias por llamar. Hasta pronto."
TECHNICAL_PROBLEM = "Disculpe, tenemos un problema técnico. Por favor, llame de nuevo en unos minutos."

# The first SMS after the caller's consent (it starts the SMS conversation of that number).
SMS_CONSENT_CASE = (
    "Línea de información para familiares. Pidió avisos por SMS en su llamada. "
    "Su caso es {reference}. Para dejar de recibirlos, responda BAJA."
)
SMS_CONSENT_PERSON = (
    "Línea de información para familiares. Pidió avisos por SMS en su llamada: le escribiremos aquí "
    "cuando haya información verificada nueva. Para dejar de recibirlos, responda BAJA."
)

# Spoken for the transcript (what the caller did, as the console shows it).
CALL_STARTED = "[llamada entrante]"
HEARD_SILENCE = "[silencio]"
HEARD_KEYS = "Marcó {digits}"
HEARD_RECORDING = "[grabación del nombre] {url}"
CALL_ENDED = "[llamada terminada: {status}]"


def render(template: str, **values: object) -> str:
    return template.format(**values)


LETTER_NAMES = {"-": "guion"}


def spell(reference: str) -> str:
    """A case reference read one character at a time: "JRZ-4F7K" -> "J, R, Z, guion, 4, F, 7, K"."""
    return ", ".join(LETTER_NAMES.get(ch, ch) for ch in reference)
