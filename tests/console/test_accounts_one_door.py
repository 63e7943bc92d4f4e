"""The account and login services build no SQL and write no audit event by hand: their queries live
in db/repositories (accounts, tokens, login_throttle, operator_sessions, recovery_codes) and their
events go through db.repositories.audit (docs/architecture.md, "Where each concept lives")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["bot/auth.py", "bot/login.py", "bot/second_factor.py", "bot/console_sessions.py",
            "bot/demo_accounts.py", "bot/passwords.py"]
ROUTERS = ["api/console/auth.py", "api/console/account.py", "api/console/users.py", "api/commands/accounts.py"]
QUERY_METHODS = {"execute", "scalar", "scalars", "get", "delete", "add", "add_all"}


def _tree(path: str) -> ast.Module:
    return ast.parse((ROOT / path).read_text(encoding="utf-8"), filename=path)


@pytest.mark.parametrize("path", SERVICES)
def test_account_services_import_nothing_from_sqlalchemy_but_session(path: str) -> None:
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            assert node.module == "sqlalchemy.orm" and [a.name for a in node.names] == ["Session"], path
        if isinstance(node, ast.Import):
            assert not any(a.name.startswith("sqlalchemy") for a in node.names), path


@pytest.mark.parametrize("path", SERVICES + ROUTERS)
def test_account_code_queries_and_audits_only_through_repositories(path: str) -> None:
    for node in ast.walk(_tree(path)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        assert not (isinstance(func, ast.Name) and func.id == "AuditEvent"), f"{path}:{node.lineno}"
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ("session", "db"):
            assert func.attr not in QUERY_METHODS, f"{path}:{node.lineno} {func.value.id}.{func.attr}"
