"""Helpers for tests that run our real commands as subprocesses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOTLINE = str(Path(sys.executable).parent / "hotline")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def hotline_env(db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TELEGRAM_", "HOTLINE_"))}
    env["DATABASE_URL"] = db_url
    # Each process started from here gets a spool of its own (bot/spool.py; never the working folder's).
    env["HOTLINE_SPOOL_DIR"] = tempfile.mkdtemp(prefix="spool-", dir=os.environ.get("HOTLINE_SPOOL_DIR"))
    env.update(extra)
    return env


def run_hotline(args: list[str], env: Mapping[str, str], stdin: str | None = None,
                cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HOTLINE, *args], env=dict(env), input=stdin, capture_output=True, text=True,
                          timeout=timeout, cwd=cwd or ROOT)


@contextmanager
def running_hotline(args: list[str], env: Mapping[str, str], port: int, cwd: Path | None = None,
                    ready_path: str = "/healthz", timeout: float = 60) -> Iterator[str]:
    """Start ``hotline <args>`` and wait until ``ready_path`` answers 200; yield the base URL."""
    proc = subprocess.Popen([HOTLINE, *args], env=dict(env), cwd=cwd or ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read() if proc.stdout else ""
                raise AssertionError(f"hotline {' '.join(args)} exited early ({proc.returncode}):\n{out}")
            try:
                if httpx.get(base + ready_path, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"hotline {' '.join(args)} did not become ready in {timeout}s")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
