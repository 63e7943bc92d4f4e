"""A call on the voice line, as the console shows it: the transcript, the recorded name's link, and
no written reply to a caller (the team calls back). The call runs through bot.voice.service, the
webhook's own code path. All names, numbers and addresses are FICTIONAL."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.voice import service
from bot.voice import texts_es as V
from bot.voice.flow import Heard
from common.settings import Settings
from db.models import Case, OutboundMessage
from db.session import session_scope
from tests.console.conftest import csrf_of

Client = Callable[[str | None], TestClient]
CALLER = "+50255598700"  # fictional
CALL = "CA" + "0123456789abcdef" * 2
RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC00/Recordings/RE" + "ab" * 16  # fictional
URLS = service.Urls(action=lambda n: f"http://testserver/webhooks/twilio/voice?step={n}",
                    recording_callback="http://testserver/webhooks/twilio/voice?event=recording")


def _step(factory: sessionmaker[Session], settings: Settings, step: int | None, heard: Heard) -> str:
    with session_scope(factory) as s:
        return service.handle_step(s, settings, service.VoiceRequest(CALL, CALLER, step, heard), URLS)


def test_a_recorded_name_is_a_link_on_the_case_and_a_caller_gets_no_written_reply(
    make_client: Client, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    _step(session_factory, settings, None, Heard())
    _step(session_factory, settings, 1, Heard(speech="eh", confidence=0.1))
    assert "<Record" in _step(session_factory, settings, 2, Heard(speech="mm", confidence=0.2))
    _step(session_factory, settings, 3, Heard(recording_url=RECORDING, recording_seconds=4))
    with session_factory() as s:
        case = s.scalars(select(Case)).one()
    operator = make_client("operator")
    page = operator.get(f"/console/cases/{case.id}").text
    assert f'href="{RECORDING}"' in page and "Escuchar la grabación" in page
    assert "Línea de voz" in page and V.ASK_NAME_AGAIN in page  # the call's transcript

    r = operator.post(f"/console/cases/{case.id}/reply", data={"text": "Le llamamos pronto.",
                                                               "csrf_token": csrf_of(page)})
    assert r.status_code == 409 and "Llámele a su número" in r.text  # in Spanish, as every refusal
    with session_factory() as s:
        assert list(s.scalars(select(OutboundMessage).where(OutboundMessage.status == "queued"))) == []
