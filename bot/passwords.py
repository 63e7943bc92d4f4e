"""What a console password must be (SPEC section 9): at least 12 characters, not on a list of
breached passwords, and not guessable.

The lists are zxcvbn's (Dropbox's estimator, MIT): the 30,000 most common passwords of the Xato
corpus of ten million leaked passwords (the list SecLists ships), English words, names and
surnames, keyboard walks, repeats, sequences and dates. A password must be absent from the password
list and need at least 10^8 guesses by zxcvbn's estimate (its score 3), counting the username and
the words of this service (and Spanish ones zxcvbn does not know) as known words. So ``aaaaaaaaaaaa``,
``password1234`` and ``Contraseña123`` are refused, a random passphrase is not.
"""

from __future__ import annotations

import unicodedata

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 12
MAX_LENGTH = 200
MIN_SCORE = 3  # zxcvbn: at least 10^8 guesses
# zxcvbn takes time quadratic in the length: the first characters decide the estimate.
_ESTIMATE_CHARS = 64

_BREACHED = frozenset(FREQUENCY_LISTS["passwords"])
# Words an attacker of this service tries first, and common Spanish password words.
_SERVICE_WORDS = (
    "contraseña", "contrasena", "clave", "secreto", "hotline", "linea", "línea", "familiares", "familia",
    "consola", "operador", "operadora", "supervisor", "supervisora", "admin", "administrador", "juarez",
    "ciudad", "mexico", "méxico", "hola", "bienvenido", "bienvenida", "amor", "teamo", "tequiero",
)


class PasswordRejected(ValueError):
    """A password refused by the policy; ``english`` for the command line, ``spanish`` for the console."""

    def __init__(self, english: str, spanish: str) -> None:
        super().__init__(english)
        self.english = english
        self.spanish = spanish


def _folded(value: str) -> str:
    return unicodedata.normalize("NFKC", value).casefold()


def check_password(password: str, *, username: str = "") -> None:
    """Raise ``PasswordRejected`` with the reason when ``password`` is not acceptable."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"the password must have at least {MIN_LENGTH} characters",
                               f"La contraseña debe tener al menos {MIN_LENGTH} caracteres.")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"the password must have at most {MAX_LENGTH} characters",
                               f"La contraseña debe tener como máximo {MAX_LENGTH} caracteres.")
    if any(unicodedata.category(c) == "Cc" for c in password):
        raise PasswordRejected("the password has control characters",
                               "La contraseña tiene caracteres de control.")
    folded = _folded(password)
    if folded in _BREACHED or folded.rstrip("0123456789!.") in _BREACHED:
        raise PasswordRejected("this password is on the lists of breached passwords; choose another",
                               "Esta contraseña figura en las listas de contraseñas filtradas: elija otra.")
    inputs = [w for w in (_folded(username), *_SERVICE_WORDS) if w]
    if zxcvbn(password[:_ESTIMATE_CHARS], user_inputs=inputs)["score"] < MIN_SCORE:
        raise PasswordRejected(
            "this password is too easy to guess (common words, names, repeats or sequences); "
            "a phrase of four unrelated words is a good choice",
            "Esta contraseña es demasiado fácil de adivinar (palabras comunes, nombres, repeticiones o "
            "secuencias). Una frase de cuatro palabras sin relación entre sí es una buena elección.")
