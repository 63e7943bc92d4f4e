"""A newcomer's first runs of ``hotline demo`` (issue 14): a busy port is named before anything is
created; every start says how to get new passwords for the demo accounts; a chat turn prints no
JSON log line at the demo's default level. All accounts and messages here are fictional."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support import HOTLINE, free_port, hotline_env, run_hotline

RESET_HINT = "hotline users reset-password --username"


def _demo_env(tmp_path: Path) -> dict[str, str]:
    env = hotline_env(f"sqlite:///{tmp_path / 'unused.db'}")
    env.pop("DATABASE_URL")  # the demo's default: ./hotline.db in the working folder
    env.pop("LOG_LEVEL", None)  # the demo's own default level
    return env


@contextmanager
def _listening(port: int) -> Iterator[None]:
    """Another program holding the port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind(("127.0.0.1", port))
        other.listen()
        yield


def test_a_busy_port_is_named_before_anything_is_migrated_or_created(tmp_path: Path) -> None:
    port = free_port()
    with _listening(port):
        result = run_hotline(["demo", "--port", str(port)], _demo_env(tmp_path), cwd=tmp_path, timeout=60)
    assert result.returncode != 0
    assert f"port {port}" in result.stderr and "--port" in result.stderr
    assert "Errno" not in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # no database file, nothing else
    assert "console account" not in result.stdout and "demo roster" not in result.stdout


def test_serve_names_a_busy_port_too(tmp_path: Path) -> None:
    port = free_port()
    with _listening(port):
        result = run_hotline(["serve", "--port", str(port)], _demo_env(tmp_path), cwd=tmp_path, timeout=60)
    assert result.returncode != 0 and "--port" in result.stderr


def _start_demo(tmp_path: Path, port: int, out: Path, err: Path) -> subprocess.Popen[bytes]:
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen([HOTLINE, "demo", "--port", str(port)], cwd=tmp_path, env=_demo_env(tmp_path),
                                stdout=stdout, stderr=stderr)
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, err.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the demo did not start"
        time.sleep(0.2)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=20)


def test_every_start_tells_how_to_reset_passwords_and_chat_turns_print_no_logs(tmp_path: Path) -> None:
    run_dir = tmp_path / "demo"
    run_dir.mkdir()
    port = free_port()
    out, err = tmp_path / "first.out", tmp_path / "first.err"
    proc = _start_demo(run_dir, port, out, err)
    try:
        base = f"http://127.0.0.1:{port}"
        session_id = httpx.post(base + "/chat/sessions").json()["session_id"]
        for text in ("hola", "Busco a José Luis Hernández García", "nació el 3 de mayo de 1996"):
            reply = httpx.post(base + "/chat/messages", json={"session_id": session_id, "text": text}, timeout=30)
            assert reply.status_code == 200 and reply.json()["messages"]
        assert httpx.get(base + "/").status_code == 200  # the address the demo prints is a page
    finally:
        _stop(proc)
    first = out.read_text()
    assert "(shown only now)" in first and RESET_HINT in first
    # At the demo's default level (warnings), a conversation leaves no JSON log line behind.
    log_lines = [json.loads(line) for line in err.read_text().splitlines() if line.startswith("{")]
    assert [entry for entry in log_lines if entry.get("level") in ("debug", "info")] == []

    # The second start creates no accounts, and still says how to get a password.
    out2, err2 = tmp_path / "second.out", tmp_path / "second.err"
    _stop(_start_demo(run_dir, port, out2, err2))
    second = out2.read_text()
    assert "(shown only now)" not in second and RESET_HINT in second
    for username in ("supervisora", "operador1", "operador2"):
        assert username in second
