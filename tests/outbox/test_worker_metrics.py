"""``hotline worker --metrics-port``: the counters that only a worker process has (sends, claims
lost, repeats) can be scraped from it, with the same token rule as the web process's /metrics
(SPEC 5: counts by outcome must not reach outsiders). A real worker subprocess, the fake Twilio.
All numbers and texts are FICTIONAL."""

from __future__ import annotations

import httpx
from sqlalchemy.orm import Session, sessionmaker

from bot.auth import create_token
from tests.channels.helpers import provider_env, statuses
from tests.fakes import FakeTwilio
from tests.outbox.support import WorkerProcess, enqueue_sms, free_port, wait_for


def _sent_sms(text: str) -> float:
    for line in text.splitlines():
        if line.startswith("hotline_outbox_results_total{") and 'channel="sms"' in line and 'result="sent"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_worker_serves_its_own_metrics_to_token_holders_only(
    db_url: str, session_factory: sessionmaker[Session], fake_twilio: FakeTwilio
) -> None:
    with session_factory.begin() as s:
        _, secret = create_token(s, "prometheus", "viewer", actor="test")
    texts = enqueue_sms(session_factory, 3)
    port = free_port()
    worker = WorkerProcess(db_url, provider_env(twilio=fake_twilio), ("--metrics-port", str(port)))
    try:
        url = f"http://127.0.0.1:{port}/metrics"

        def scraped() -> httpx.Response | None:
            try:
                return httpx.get(url, headers={"Authorization": f"Bearer {secret}"}, timeout=5)
            except httpx.TransportError:
                return None

        wait_for(lambda: statuses(session_factory) == {"sent": len(texts)}, 60, "the replies to be sent")
        wait_for(lambda: (r := scraped()) is not None and _sent_sms(r.text) == len(texts), 30,
                 "the worker's /metrics to count the sends")
        anonymous = httpx.get(url, timeout=5)
        assert anonymous.status_code == 401 and "hotline_" not in anonymous.text
        wrong = httpx.get(url, headers={"Authorization": "Bearer hl_not-a-token"}, timeout=5)
        assert wrong.status_code == 401
        assert httpx.get(f"http://127.0.0.1:{port}/docs", timeout=5).status_code == 404  # /metrics only
    finally:
        code = worker.stop()
    assert code == 0, worker.output()  # SIGTERM stops the workers and the metrics server alike
