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
TURN_FAILURES = Counter("hotline_turn_failures_total", "Dialogue turns that raised (each attempt)")
INBOUND_PENDING_SECONDS = Histogram(
    "hotline_inbound_wait_seconds", "From a message being recorded to its turn having run", ["channel"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
INBOUND_PENDING = Gauge("hotline_inbound_pending", "Recorded messages whose dialogue turn has not run yet")
INBOUND_OLDEST_PENDING_SECONDS = Gauge(
    "hotline_inbound_oldest_pending_seconds", "Age of the oldest recorded message still waiting for its turn"
)
