"""The shape docs/architecture.md promises, checked on the source (ARCHITECTURE.md, "Lessons from our
own code"): services in ``bot/`` build and run no query (repositories in ``db/repositories`` are the
one door to the database; a service keeps the decisions, changes the objects a repository gave it,
and its transaction's owner flushes or commits), and every audit event is written by
``db.repositories.audit``."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What builds SQL: the query constructs and dialect inserts of SQLAlchemy. Session, sessionmaker,
# Engine, Connection and the exceptions are the transaction's owner's business and stay allowed.
QUERY_BUILDERS = {"select", "insert", "update", "delete", "text", "func", "and_", "or_", "case", "exists",
                  "literal", "literal_column", "bindparam", "tuple_", "union_all", "column"}
QUERY_MODULES = ("sqlalchemy.dialects", "sqlalchemy.sql")
SESSION_QUERIES = {"execute", "scalar", "scalars", "get", "query", "add", "add_all", "delete", "merge"}
SESSION_NAMES = {"session", "db", "s", "conn", "connection"}

def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _names_a_session(node: ast.expr) -> bool:
    """``session``, ``self.session``, ``db``...: what a query would be run on."""
    return (isinstance(node, ast.Name) and node.id in SESSION_NAMES) or \
        (isinstance(node, ast.Attribute) and node.attr in SESSION_NAMES)


def _sql_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith(QUERY_MODULES):
                found.append(f"line {node.lineno}: from {node.module} import ...")
            elif node.module == "sqlalchemy":
                builders = sorted({a.name for a in node.names} & QUERY_BUILDERS)
                if builders:
                    found.append(f"line {node.lineno}: from sqlalchemy import {', '.join(builders)}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in SESSION_QUERIES and _names_a_session(node.func.value):
            found.append(f"line {node.lineno}: {ast.unparse(node.func)}(...)")
    return found


def test_services_in_bot_build_no_sql_repositories_do() -> None:
    offenders = {}
    for path in _modules("bot"):
        name = path.relative_to(ROOT).as_posix()
        uses = _sql_uses(path)
        if uses:
            offenders[name] = uses
    assert not offenders, f"move these queries into db/repositories: {offenders}"


def test_audit_events_are_written_only_by_the_audit_repository() -> None:
    builders = []
    for package in ("api", "bot", "db"):
        for path in _modules(package):
            name = path.relative_to(ROOT).as_posix()
            if name in {"db/repositories/audit.py", "db/models.py"}:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            builders += [f"{name}:{n.lineno}" for n in ast.walk(tree) if isinstance(n, ast.Call)
                         and isinstance(n.func, ast.Name) and n.func.id == "AuditEvent"]
    assert not builders, f"write these through db.repositories.audit.record/append: {builders}"
