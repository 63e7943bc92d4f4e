"""Cases: one home for everything a case is and what people do to it.

- ``opening``: opening a case, reusing the conversation's open case, an operator's reply to the
  relative (``queue_operator_reply``), and telling a relative where their case stands.
- ``work``: who works a case: taking it, taking it over, assigning it, reopening it, and the
  console notices that tell a person about it.
- ``refusals``: why an action on a case is refused, as codes (``CaseRefusal``) each interface words.
- ``linking``: linking a case to a record (the disclosure policy then answers the relative),
  recording a death notified by phone, resolving a case.
- ``replies``: canned replies with the case's variables, and internal notes.
- ``calls``: calling a relative through the hotline's own number (Twilio), and its refusals.

Every function works inside the caller's transaction and never commits (except where ``calls``
says why it must). Notifications to followers and follow-ups live in ``bot.notifications``.
"""
