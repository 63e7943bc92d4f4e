"""Every sentence the bot says to a relative who writes in English (SPEC 4, "Languages").

The same names as bot/texts_es.py, and the same rules: calm, short, no promises; the same words for
"no record", "not yet confirmed", restricted, conflicting details, proof lock and limit reached
(``ESCALATED``); never a word that states or hints at a death (``TEAM_WILL_CALL`` is all the bot
says when a record says deceased). tests/dialogue/test_texts.py checks both catalogues alike.
"""

from __future__ import annotations

from bot.texts_es import render

__all__ = ["render"]

WELCOME = (
    "Information line for families. We only give verified information; "
    "the details you send are used only to answer you."
)

ASK_NAME = "What is the full name of the person you are looking for? (given names and surnames)"
ASK_NAME_AGAIN = (
    "I could not read a name. Please write the given names and surnames of the person, "
    "for example: José Luis Hernández García."
)
ASK_BIRTH = (
    "To protect people, I need to confirm that you know them. "
    "What is the date of birth of the person you are looking for? (for example 3 May 1996). "
    "If you do not know it, write the person's age."
)
ASK_BIRTH_FULL = (
    "To confirm, I need the full date of birth of the person you are looking for "
    "(day, month and year). If you do not know it, write I DON'T KNOW."
)
ASK_BIRTH_AGAIN = (
    "I could not read the date. Please write the date of birth of the person you are looking for like this: "
    "3 May 1996, or 03/05/1996. If you do not know it, write I DON'T KNOW."
)
ASK_NATIONALITY = "Thank you. Which country is the person you are looking for from?"
ASK_NATIONALITY_AGAIN = (
    "I could not read the country. Please write the country of the person you are looking for, for example: "
    "Guatemala. If you do not know it, write I DON'T KNOW."
)
GREETING_REPLY = "Hello, thank you for writing to us."
ACK_DISTRESS = "We understand your worry."
SEVERAL_PERSONS = "I see you are looking for more than one person. We start with {first}; then we continue with {rest}."
NEXT_PERSON = "Now we continue with {name}."
OFFER_HUMAN_AFTER_FAILURES = (
    "Sorry, I cannot understand. If you wish, a member of our team can help you: write HUMAN."
)

DISCLOSURE = "{name}: {status_text}. Place: {location}. Information verified on {verified_on} by {source}."
# Words that fit a man or a woman alike (records carry no sex).
STATUS_TEXT = {
    "safe": "safe, without injuries",
    "hospitalized": "alive, receiving medical care",
    "transferred": "alive, after a transfer",
    "released": "alive, released",
    "returned": "alive, back in their country",
}
NO_LOCATION = "no place recorded"
NO_VERIFIED_DATE = "date not recorded"

ESCALATED = (
    "For now we have no verified information we can give you. "
    "A member of our team will review your case {reference} and answer you on this same channel."
)
TEAM_WILL_CALL = (
    "A member of our team needs to speak with you and will contact you shortly. "
    "Your case number is {reference}."
)
ASK_PHONE = (
    "What phone number can we call you on? Please write it with the international code, "
    "for example: +502 5555 0123."
)
ASK_PHONE_AGAIN = (
    "I could not read the phone number. Please write it with the international code, for example: +502 5555 0123."
)
PHONE_NOTED = "Thank you. We will call you on that number."
PHONE_NONE = "Understood. A member of our team will write to you on this same channel."
ASK_PHONE_OPTIONAL = (
    "If you would rather we call you, write your phone number with the international code, "
    "for example: +502 5555 0123. If not, write NO."
)
CONTACT_NOT_OWN = "Thank you. That contact belongs to someone else: we do not keep it."
ASK_OWN_PHONE = (
    'For us to call you, tap "Share my number" or write the number we can call you on, '
    "with the international code."
)
CONTACT_NOT_NEEDED = "Thank you. We do not need your phone number for now."
OPERATOR_REPLY_PREFIX = "Message from our team: "
HUMAN_REQUESTED = (
    "A member of our team will attend to you on this same channel as soon as possible. "
    "Your case number is {reference}."
)
TURN_FAILED = (
    "We received your message. A member of our team will read it and answer you on this same channel "
    "as soon as possible. Your case number is {reference}."
)
OFFER_SUBSCRIPTION = "Would you like us to tell you on this channel when there is new verified information? Answer YES or NO."
SUBSCRIBED = "We will tell you on this channel when there is new verified information. To stop receiving messages, write STOP."
NOT_SUBSCRIBED = "Understood, we will not send you updates. You can write to us whenever you need."
ANYTHING_ELSE = "If you are looking for another person, write OTHER."
AFTER_ANSWER = (
    "We are here to help. If you are looking for another person, write OTHER. "
    "To talk to a member of our team, write HUMAN."
)

CASE_STATUS = {
    "open": "Your case {reference} is open. A member of our team will review it and answer you on this channel.",
    "in_progress": "Your case {reference} is being reviewed by a member of our team. We will answer you on this channel.",
    "waiting": "Your case {reference} is waiting for an answer from you. Write to us on this channel.",
    "resolved": "Your case {reference} is closed. If you need anything else, write to us on this channel.",
}
CASE_NOT_FOUND = "We did not find case {reference} in this conversation. Please check the code."
CASE_ASK_CODE = "Write CASE followed by the code, for example: CASE JRZ-4F7K."

HELP = (
    "You can write the name of the person you are looking for. Other options: "
    "OTHER (look for another person), CASE and its code (the status of your case), "
    "HUMAN (talk to a person), STOP (receive no more messages)."
)
NEW_SEARCH = "All right, we look for another person. " + ASK_NAME
OPTED_OUT = "We will not send you more messages. If you write to us again, we will answer you."
MEDIA_UNREADABLE = (
    "Sorry, we can only read text messages. Please write your question. "
    "If you prefer to talk to a person, write HUMAN."
)
OTHER_LANGUAGE = (
    "Este servicio atiende en español e inglés. Una persona del equipo revisará su caso {reference} "
    "y buscará cómo ayudarle en su idioma, por este mismo medio."
)
CORRECTION_NOTED = "Thank you, I corrected it."
LOOKUP_LIMIT = ESCALATED  # same words: the limit is not announced as such

FOLLOWUP = (
    "We are still reviewing your case {reference}. We do not have new verified information yet. "
    "We will write to you as soon as we have it."
)
STATUS_UPDATE_INTRO = "There is new verified information about the person you are looking for. "

# Reply buttons (bot/engine/choices.py): labels, not sentences, each a word the dialogue reads.
BUTTONS = {
    "yes": "YES",
    "no": "NO",
    "human": "HUMAN",
    "other": "OTHER",
    "share_phone": "Share my number",
    "no_phone": "No, thanks",
}
