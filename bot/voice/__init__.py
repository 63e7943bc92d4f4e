"""The Spanish voice line (SPEC section 6, "Voice line"): a call through Twilio Voice asks for the
sought person's name by speech and the birth date on the keypad, and the same disclosure policy as
the chat decides. ``flow`` is the call's dialogue, ``twiml`` renders it with the twilio SDK,
``service`` keeps each call's state, transcript and idempotency in the database."""
