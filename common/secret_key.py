"""What makes ``HOTLINE_SECRET_KEY`` acceptable (SPEC section 9: secrets strong, from the environment).

The key signs console sessions and CSRF tokens: whoever knows it can forge an administrator's
session. So a key that anyone could guess is refused wherever the service can be reached from
another machine: the public development constant, placeholders people paste from examples
("changeme", "secret"...), and anything shorter than 32 bytes. Leaf module: anyone may import it.
"""

from __future__ import annotations

import ipaddress
import re

DEV_SECRET_KEY = "dev-only-insecure-key-change-me"
MIN_SECRET_BYTES = 32
HOW_TO_MAKE_ONE = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'

# Compared after lower-casing and dropping everything but letters and digits, so that
# "Change-Me", "change_me" and "CHANGEME" are one entry.
_KNOWN = frozenset({
    "changeme", "changethis", "changeit", "secret", "secretkey", "mysecret", "mysecretkey", "yoursecretkey",
    "supersecret", "supersecretkey", "password", "passw0rd", "hotline", "hotlinesecretkey", "default",
    "development", "dev", "test", "testing", "example", "insecure", "xxx", "todo",
})
# Words of placeholders: a real random key does not contain them.
_PLACEHOLDER_WORDS = ("changeme", "change_me", "insecure", "placeholder", "example", "devonly", "notsecret",
                      "yoursecret", "replaceme", "secretkeyhere")
_ALNUM = re.compile(r"[^a-z0-9]")
MIN_DISTINCT_CHARACTERS = 10  # "aaaa...", "0101..." are long but guessable


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` is not acceptable (a phrase that follows "HOTLINE_SECRET_KEY"), or None."""
    bare = _ALNUM.sub("", key.lower())
    if not key.strip():
        return "is empty"
    if key == DEV_SECRET_KEY or bare in _KNOWN or any(w.replace("_", "") in bare for w in _PLACEHOLDER_WORDS):
        return "is a placeholder or a well-known value"
    if len(key.encode()) < MIN_SECRET_BYTES:
        return f"is too short ({len(key.encode())} bytes; at least {MIN_SECRET_BYTES})"
    if len(set(key)) < MIN_DISTINCT_CHARACTERS:
        return "is too repetitive to be random"
    return None


def weak_secret_message(problem: str) -> str:
    """The whole refusal: which variable, what is wrong, how to make a good one."""
    return (f"HOTLINE_SECRET_KEY {problem}. It signs console sessions: set it to a random value of at "
            f"least {MIN_SECRET_BYTES} bytes, for example the output of\n    {HOW_TO_MAKE_ONE}")


def is_loopback(host: str) -> bool:
    """True when a server bound to ``host`` can only be reached from this machine."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve to anything
