"""Adversarial check of the disclosure policy (SPEC section 5, issue 9).

A seeded generator writes a FICTIONAL roster with the hard cases (namesakes, swapped surnames,
other-gender twins, nicknames, records with an age only, restricted, unconfirmed and deceased
records) and thousands of FICTIONAL inquiries written the ways relatives write (SPEC section 4), from
relatives who know true facts and from people who only know what a published list shows. An oracle
written from SPEC section 5 alone (never from bot/policy.py, bot/engine/ or bot/language/) says,
message by message, which disclosures are allowed; the harness plays the inquiries through the real
service (``bot.conversations.handle_inbound``) and database and scores wrong disclosures, death hints
and recall by family.

Every name, date, place and source here is invented.

Modules: ``vocab`` (name pools, nicknames, countries), ``roster`` (the roster generator and its
import), ``render`` (how a relative writes a date, an age, a name), ``inquiries`` (personas and
families), ``oracle`` (SPEC 5), ``harness`` (plays and scores), ``report`` (figures and failures).
The full run is ``scripts/adversarial.py``; the CI-sized sample is the tests in this package.
"""
