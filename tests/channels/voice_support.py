"""A scripted caller for the voice line: signed requests as Twilio posts them, each TwiML answer
parsed, checked (well-formed, only TwiML verbs, every <Gather> with an action) and followed.

All numbers and names are FICTIONAL (the demo roster, bot/roster/demo_roster.csv).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from fastapi.testclient import TestClient

from common.settings import Settings
from tests.fakes import FakeTwilio

VOICE_PATH = "/webhooks/twilio/voice"
# The verbs (and the one SSML element) the voice line may answer with.
TWIML_ELEMENTS = {"Response", "Say", "Gather", "Pause", "Record", "Redirect", "Hangup", "prosody"}
# Nothing of a death may ever be spoken (SPEC 5): words and the places that would tell it.
DEATH_WORDS = ("falleci", "muert", "murió", "murio", "defunc", "cadáver", "cadaver", "forense", "sin vida",
               "pésame", "pesame", "lamentamos", "deceso", "restos")


def check_twiml(body: str, public_url: str) -> ET.Element:
    """The answer is TwiML the voice line may send: parsed, or the test fails saying why."""
    root = ET.fromstring(body)  # well-formed XML, or ParseError
    assert root.tag == "Response", root.tag
    action_prefix = public_url.rstrip("/") + VOICE_PATH + "?"
    for element in root.iter():
        assert element.tag in TWIML_ELEMENTS, f"not a TwiML verb of ours: {element.tag}"
        if element.tag == "Say":
            assert element.get("language") == "es-MX", ET.tostring(element)
        if element.tag in ("Gather", "Record"):
            assert (element.get("action") or "").startswith(action_prefix), ET.tostring(element)
        if element.tag == "Gather":
            assert element.get("actionOnEmptyResult") == "true", ET.tostring(element)
    children = list(root)
    for i, element in enumerate(children):
        if element.tag in ("Gather", "Record"):
            # The path for silence: a <Redirect> to the same action right after it.
            follower = children[i + 1] if i + 1 < len(children) else None
            assert follower is not None and follower.tag == "Redirect", "no path for silence"
            assert (follower.text or "").strip() == element.get("action")
    return root


def said(root: ET.Element) -> list[str]:
    """Every <Say>'s text (a slow one's is inside <prosody>), in order."""
    return ["".join(say.itertext()).strip() for say in root.iter("Say")]


@dataclass
class Caller:
    client: TestClient
    fake: FakeTwilio
    settings: Settings
    number: str
    sid: str = ""
    answer: ET.Element | None = None
    body: str = ""
    heard: list[str] = field(default_factory=list)  # everything the line said in this call
    requests: list[tuple[str, dict[str, str], dict[str, str]]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.settings.hotline_public_url.rstrip("/") + VOICE_PATH

    def call(self) -> ET.Element:
        """Dial the number: Twilio's first request of the call."""
        self.sid = self.fake.new_call_sid()
        return self._post(self.url, self.fake.call_params(self.sid, self.number, status="ringing"))

    def _post(self, url: str, params: dict[str, str]) -> ET.Element:
        headers, form = self.fake.signed_voice(url, params)
        self.requests.append((url, headers, form))
        response = self.client.post(url, data=form, headers=headers)
        assert response.status_code == 200, (response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/xml")
        self.body = response.text
        self.answer = check_twiml(response.text, self.settings.hotline_public_url)
        self.heard.extend(said(self.answer))
        return self.answer

    def redeliver(self) -> str:
        """Post the last request again, exactly (what a retry by Twilio would be)."""
        url, headers, form = self.requests[-1]
        response = self.client.post(url, data=form, headers=headers)
        assert response.status_code == 200
        return response.text

    @property
    def waiting(self) -> ET.Element:
        """The <Gather> or <Record> the line waits on."""
        assert self.answer is not None
        found = [e for e in self.answer if e.tag in ("Gather", "Record")]
        assert len(found) == 1, f"expected one prompt, the line said: {said(self.answer)}"
        return found[0]

    def prompt(self) -> str:
        return " ".join("".join(s.itertext()) for s in self.waiting.iter("Say"))

    def _action(self, **params: str) -> ET.Element:
        return self._post(self.waiting.get("action") or "", self.fake.call_params(self.sid, self.number, **params))

    def speak(self, words: str, confidence: float = 0.92) -> ET.Element:
        assert "speech" in (self.waiting.get("input") or ""), "the line is not listening for speech"
        return self._action(SpeechResult=words, Confidence=str(confidence))

    def press(self, digits: str) -> ET.Element:
        assert self.waiting.tag == "Gather" and "dtmf" in (self.waiting.get("input") or "")
        return self._action(Digits=digits)

    def silence(self) -> ET.Element:
        """The caller says nothing: Gather's actionOnEmptyResult posts the action without input."""
        return self._action()

    def silence_through_redirect(self) -> ET.Element:
        """The other path for silence: Twilio follows the <Redirect> after the <Gather>."""
        assert self.answer is not None
        redirect = next(e for e in self.answer if e.tag == "Redirect")
        return self._post((redirect.text or "").strip(), self.fake.call_params(self.sid, self.number))

    def recorded(self, recording: dict[str, str]) -> ET.Element:
        assert self.waiting.tag == "Record"
        return self._action(**recording)

    @property
    def hung_up(self) -> bool:
        return self.answer is not None and self.answer[-1].tag == "Hangup"

    def spoke_of_death(self) -> list[str]:
        return [text for text in self.heard if any(w in text.lower() for w in DEATH_WORDS)]
