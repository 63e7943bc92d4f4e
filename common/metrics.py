"""Prometheus metrics (served at /metrics). Labels never carry personal data: channels, outcomes,
reasons and states only."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

INBOUND_MESSAGES = Counter("hotline_inbound_messages_total", "Inbound messages handled", ["channel", "duplicate"])
TURN_EVENTS = Counter("hotline_turn_events_total", "What the dialogue did (disclosed, case:<reason>, command:...)",
                      ["event"])
PROOF_LOCK_EVENTS = Counter("hotline_proof_lock_events_total",
                            "Failed knowledge proofs recorded and persons locked (SPEC 5, rule 6)", ["event"])
TURN_SECONDS = Histogram("hotline_turn_seconds", "Time to handle one inbound message (one transaction)",
                         ["channel"])
OUTBOX_RESULTS = Counter("hotline_outbox_results_total", "Outbox send outcomes", ["channel", "result"])
# A worker found, right before a send, that a row it had claimed was no longer its own: "lost" (its
# lease ran out and another worker may have it), "cancelled" (an opt-out), "done" (ended elsewhere).
OUTBOX_CLAIMS_LOST = Counter("hotline_outbox_claims_lost_total",
                             "Outbox rows not sent because the worker no longer owned them", ["channel", "reason"])
# Rows whose send was under way when a worker died: found in the provider's log (recorded, not sent
# again), not in it (sent), repeated (no log to check: Telegram; at most once per row), dead.
OUTBOX_IN_DOUBT = Counter("hotline_outbox_in_doubt_total",
                          "Outbox rows whose earlier send had an unknown outcome, by what was done", ["channel", "result"])
OUTBOX_RECORD_RETRIES = Counter("hotline_outbox_record_retries_total",
                                "Outbox outcomes (e.g. a provider id) kept in memory while the database did not answer")
TURN_FAILURES = Counter("hotline_turn_failures_total", "Dialogue turns that raised (each attempt)")
INBOUND_PENDING_SECONDS = Histogram(
    "hotline_inbound_wait_seconds", "From a message being recorded to its turn having run", ["channel"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
INBOUND_PENDING = Gauge("hotline_inbound_pending", "Recorded messages whose dialogue turn has not run yet")
INBOUND_OLDEST_PENDING_SECONDS = Gauge(
    "hotline_inbound_oldest_pending_seconds", "Age of the oldest recorded message still waiting for its turn"
)
# The local spool (bot/spool.py): messages this host's webhooks kept on disk while the database was
# unreachable. Depth and age are this host's; alert when the depth stays above zero.
SPOOL_MESSAGES = Gauge("hotline_spool_messages", "Messages in this host's spool, not in the database yet")
SPOOL_OLDEST_SECONDS = Gauge("hotline_spool_oldest_seconds", "Age of the oldest message in this host's spool")
SPOOL_QUARANTINED = Gauge("hotline_spool_quarantined",
                          "Spool files set aside (unreadable, or refused by the database): a person must look")
SPOOL_EVENTS = Counter("hotline_spool_events_total",
                       "Spool events: spooled, replayed, duplicate (already recorded), quarantined", ["event"])
