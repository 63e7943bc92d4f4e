"""Prometheus metrics (served at /metrics). Labels never carry personal data: channels, outcomes,
reasons and states only."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

INBOUND_MESSAGES = Counter("hotline_inbound_messages_total", "Inbound messages handled", ["channel", "duplicate"])
TURN_EVENTS = Counter("hotline_turn_events_total", "What the dialogue did (disclosed, case:<reason>, command:...)",
                      ["event"])
TURN_SECONDS = Histogram("hotline_turn_seconds", "Time to handle one inbound message (one transaction)",
                         ["channel"])
OUTBOX_RESULTS = Counter("hotline_outbox_results_total", "Outbox send outcomes", ["channel", "result"])
