"""`hotline demo` (the README's first command) and `hotline chat`, run as a newcomer would."""

from __future__ import annotations

import re
import subprocess
import time

import httpx

from tests.support import HOTLINE, ROOT, free_port, hotline_env, run_hotline


def test_demo_migrates_loads_the_roster_creates_accounts_and_serves_chat_and_console(tmp_path) -> None:
    port = free_port()
    env = hotline_env(f"sqlite:///{tmp_path / 'hotline.db'}")
    env.pop("DATABASE_URL")  # the default: a SQLite file in the working folder
    proc = subprocess.Popen([HOTLINE, "demo", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    base = f"http://127.0.0.1:{port}"
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        while not any(line.startswith("hotline on") for line in lines):
            line = proc.stdout.readline()
            assert line, f"demo stopped early: {lines}"
            lines.append(line.strip())
        for _ in range(100):
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert (tmp_path / "hotline.db").exists()
        assert "demo roster: 68 fictional persons loaded" in lines
        # The web chat is always on in the demo; its session ids come from the server.
        assert httpx.post(base + "/chat/messages", json={"session_id": "newcomer01", "text": "hola"}).status_code == 403
        session_id = httpx.post(base + "/chat/sessions").json()["session_id"]
        reply = httpx.post(base + "/chat/messages", json={"session_id": session_id,
                                                          "text": "José Luis Hernández García, 3/5/1996"}).json()
        assert any("con vida" in m["text"] for m in reply["messages"])
        account = next(re.match(r"console account (\S+) \(admin\), password: (\S+)", line)
                       for line in lines if "(admin)" in line)
        assert account is not None
        with httpx.Client(base_url=base) as browser:
            form = browser.get("/console/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert token, "the login form carries a CSRF token"
            login = browser.post("/console/login", data={"username": account[1], "password": account[2],
                                                          "csrf_token": token[1]})
            assert login.status_code in (200, 303)
            assert browser.get("/console/queue").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    # A second start keeps the data and creates no new accounts.
    again = run_hotline(["db", "upgrade"], env, cwd=tmp_path)
    assert again.returncode == 0


def test_chat_reads_stdin_until_eof_and_prints_each_reply(db_url: str) -> None:
    env = hotline_env(db_url)
    assert run_hotline(["roster", "import", str(ROOT / "bot/roster/demo_roster.csv"), "--incident", "Demo"],
                       env).returncode == 0
    result = run_hotline(["chat", "--from", "vecina-1"], env,
                         stdin="hola\nBusco a HERNANDEZ GARCIA JOSE LUIS\nnacio el 3 de mayo del 96\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.index("¿Cuál es el nombre completo") < out.index("fecha de nacimiento") < out.index("con vida")
    # The same --from continues the conversation in a new process.
    again = run_hotline(["chat", "--from", "vecina-1"], env, stdin="sí\n")
    assert "Le avisaremos" in again.stdout
