"""The voice line's answers as TwiML, built with the twilio SDK (``twilio.twiml.voice_response``).

Every <Gather> carries an absolute ``action`` (Twilio posts CallSid, From, Digits, SpeechResult,
Confidence there) and ``actionOnEmptyResult``, so that silence also comes back to us; a <Redirect>
to the same action follows it, the path for silence wherever a <Gather> or <Record> ends without
calling its action (Twilio skips the action of a <Record> that heard nothing). The step number in
the action's query makes each answer a step of its own (bot/voice/service.py).

Text to speech: Amazon Polly's Mexican Spanish voice through Twilio (``Polly.Mia``, es-MX); a
disclosure is read slower (SSML <prosody rate>), with a <Pause> between its sentences.
"""

from __future__ import annotations

from twilio.twiml.voice_response import Gather, Record, Say, VoiceResponse

from bot.voice import flow

LANGUAGE = "es-MX"
VOICE = "Polly.Mia"
SLOW_RATE = "85%"


def _say(node: flow.Say) -> Say:
    say = Say(voice=VOICE, language=LANGUAGE)
    if node.slow:
        say.prosody(node.text, rate=SLOW_RATE)
    else:
        say.value = node.text
    return say


def _append_prompt(parent: VoiceResponse | Gather, parts: tuple[flow.Say | flow.Pause, ...]) -> None:
    for part in parts:
        if isinstance(part, flow.Say):
            parent.append(_say(part))
        else:
            parent.pause(length=part.seconds)


def render(nodes: list[flow.Node], action_url: str, recording_callback_url: str) -> str:
    response = VoiceResponse()
    for node in nodes:
        if isinstance(node, flow.Say):
            response.append(_say(node))
        elif isinstance(node, flow.Pause):
            response.pause(length=node.seconds)
        elif isinstance(node, flow.Ask):
            gather = Gather(
                action=action_url,
                method="POST",
                input="speech dtmf" if node.speech else "dtmf",
                num_digits=node.num_digits,
                timeout=node.timeout,
                finish_on_key="#",
                language=LANGUAGE,
                action_on_empty_result=True,
                **({"speech_timeout": "auto"} if node.speech else {}),
            )
            _append_prompt(gather, node.prompt)
            response.append(gather)
            response.redirect(action_url, method="POST")  # silence
        elif isinstance(node, flow.RecordName):
            _append_prompt(response, node.prompt)
            response.append(Record(
                action=action_url,
                method="POST",
                max_length=node.max_length,
                timeout=4,
                play_beep=True,
                finish_on_key="#",
                recording_status_callback=recording_callback_url,
                recording_status_callback_method="POST",
                recording_status_callback_event="completed",
            ))
            response.redirect(action_url, method="POST")  # nothing was recorded
        else:
            response.hangup()
    return str(response)


def say_and_hang_up(text: str) -> str:
    """A whole answer that only says ``text`` (e.g. a technical problem) and ends the call."""
    return render([flow.Say(text), flow.Hangup()], "", "")
