"""scripts/demo installs only what running needs; scripts/test (and CI) the development tools too;
each re-installs only when pyproject.toml or constraints.txt changed. Run on a copy of the scripts
whose .venv/bin/python is a stand-in that records what pip was asked to install."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from tests.support import ROOT

RECORDING_PYTHON = """#!/bin/sh
echo "$@" >> "$(dirname "$0")/../pip.log"
"""
STAND_IN_HOTLINE = """#!/bin/sh
echo "hotline $@"
"""


def _copy(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    for name in ("_setup.sh", "demo"):
        shutil.copy2(ROOT / "scripts" / name, repo / "scripts" / name)
    for name in ("pyproject.toml", "constraints.txt"):
        shutil.copy2(ROOT / name, repo / name)
    bin_dir = repo / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, text in (("python", RECORDING_PYTHON), ("hotline", STAND_IN_HOTLINE)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return repo


def _installs(repo: Path) -> list[str]:
    log = repo / ".venv" / "pip.log"
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return [line for line in lines if "install" in line and "--upgrade pip" not in line]


def _run(repo: Path, *command: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "HOTLINE_INSTALL"}
    result = subprocess.run(list(command), cwd=repo, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_demo_installs_the_runtime_only_and_the_tests_the_development_tools(tmp_path: Path) -> None:
    repo = _copy(tmp_path)
    out = _run(repo, "bash", "scripts/demo", "--port", "8123")
    assert "hotline demo --port 8123" in out
    assert _installs(repo) == ["-m pip install --quiet -c constraints.txt -e ."]
    _run(repo, "bash", "scripts/demo")
    assert _installs(repo) == []  # installed already

    # What scripts/test sources: the default is the development install, with its own stamp.
    _run(repo, "bash", "-c", "source scripts/_setup.sh")
    assert _installs(repo) == ["-m pip install --quiet -c constraints.txt -e .[dev]"]
    _run(repo, "bash", "-c", "source scripts/_setup.sh")
    assert _installs(repo) == []

    # A change of the pinned versions: each installs again, once.
    now = time.time()
    for stamp in (repo / ".venv").glob(".installed-*"):
        os.utime(stamp, (now - 100, now - 100))
    os.utime(repo / "constraints.txt", (now - 50, now - 50))
    _run(repo, "bash", "scripts/demo")
    assert _installs(repo) == ["-m pip install --quiet -c constraints.txt -e ."]
    _run(repo, "bash", "-c", "source scripts/_setup.sh")
    assert _installs(repo) == ["-m pip install --quiet -c constraints.txt -e .[dev]"]
    # A fresh development install serves the demo too (it holds everything running needs).
    (repo / ".venv" / ".installed-runtime").unlink()
    _run(repo, "bash", "scripts/demo")
    assert _installs(repo) == []


def test_the_test_script_keeps_the_development_install() -> None:
    assert "HOTLINE_INSTALL" not in (ROOT / "scripts" / "test").read_text()
