"""Sending what the outbox holds: senders per channel, rate limits, retries, the worker loop."""
