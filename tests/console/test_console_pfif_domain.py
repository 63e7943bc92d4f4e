"""The console's PFIF download without a domain name for the record ids: a Spanish page naming
PFIF_DOMAIN (409), nothing exported and nothing audited. The JSON API's 409 is in
tests/api/test_api_pfif.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from common.settings import Settings
from db.models import AuditEvent


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    # "testserver" (TestClient's host, the public URL here) is a single label: no domain name.
    return create_app(settings.model_copy(update={"pfif_domain": None}))


def test_without_a_domain_the_pfif_download_is_a_page_naming_the_setting(
    make_client: Callable[[str | None], TestClient], session_factory: sessionmaker[Session]
) -> None:
    admin = make_client("admin")
    r = admin.get("/console/exports/pfif.xml")
    assert r.status_code == 409 and r.headers["content-type"].startswith("text/html")
    assert "PFIF_DOMAIN" in r.text and "nombre de dominio" in r.text
    assert "zesty.ca/pfif" not in r.text
    with session_factory() as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "export")).first() is None
