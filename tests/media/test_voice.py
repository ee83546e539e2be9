"""Voice: ``/v1/audio/transcriptions`` and ``/v1/audio/speech`` with the official ``openai`` SDK, the web
app's ``/api/audio/*``, the fake's refusals reaching the client, and a usage row with a cost per call."""

from __future__ import annotations

import io
import math
import struct
import wave

import httpx
import openai
import pytest

from llm_router.testing import FakeProvider
from tests.support.v1 import V1App


def spoken_wav(seconds: float = 3.0, rate: int = 16000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(
            b"".join(struct.pack("<h", int(3000 * math.sin(i / 8))) for i in range(int(seconds * rate)))
        )
    return out.getvalue()


def test_the_sdk_transcribes_through_the_router_and_the_minutes_are_counted(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    fake_provider.state.transcript = "Meet me at the harbour at noon."
    result = v1_app.openai().audio.transcriptions.create(
        model="whisper-1", file=("memo.wav", spoken_wav(3.0), "audio/wav")
    )
    assert result.text == "Meet me at the harbour at noon."
    [sent] = [r for r in fake_provider.requests if r.path.endswith("/audio/transcriptions")]
    assert sent.json["file"]["filename"] == "memo.wav"
    assert sent.json["file"]["size"] == len(spoken_wav(3.0))
    assert sent.json["model"] == "whisper-1"
    [row] = v1_app.wait_logs(1)
    assert (row["model"], row["source"], row["status"]) == ("whisper-1", "openai", "ok")
    assert row["cost"] == pytest.approx(0.006 * 3 / 60)  # $0.006 a minute, 3 s heard

    text = v1_app.openai().audio.transcriptions.create(
        model="gpt-4o-mini-transcribe",
        file=("memo.wav", spoken_wav(2.0), "audio/wav"),
        response_format="text",
    )
    assert text.strip() == "Meet me at the harbour at noon."


def test_the_sdk_gets_speech_and_the_characters_are_counted(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    words = "Good morning, here is the news."
    with v1_app.openai().audio.speech.with_streaming_response.create(
        model="tts-1", voice="alloy", input=words, response_format="wav"
    ) as response:
        audio = response.read()
    with wave.open(io.BytesIO(audio)) as played:
        assert played.getnframes() / played.getframerate() > 1
    [row] = v1_app.wait_logs(1)
    assert (row["model"], row["status"]) == ("tts-1", "ok")
    assert row["cost"] == pytest.approx(15.0 * len(words) / 1e6)


def test_the_providers_refusals_reach_the_client(v1_app: V1App) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        v1_app.openai().audio.transcriptions.create(
            model="whisper-1", file=("memo.txt", b"hello", "text/plain")
        )
    assert "Invalid file format" in str(refused.value)
    with pytest.raises(openai.BadRequestError) as refused:
        v1_app.openai().audio.speech.create(model="tts-1", voice="alloy", input="hi", instructions="whisper")
    assert "instructions are not supported" in str(refused.value)
    with pytest.raises(openai.BadRequestError) as refused:
        v1_app.openai().audio.speech.create(model="claude-haiku-4-5", voice="alloy", input="hi")
    assert "does not speak" in str(refused.value)


def test_the_web_app_dictates_and_reads_aloud(v1_app: V1App, fake_provider: FakeProvider) -> None:
    with httpx.Client(base_url=v1_app.url, timeout=30) as client:
        heard = client.post(
            "/api/audio/transcriptions", files={"file": ("speech.webm", spoken_wav(1.0), "audio/webm")}
        )
        assert heard.status_code == 200, heard.text
        assert heard.json()["text"] == "Hello from the microphone."
        sent = [r for r in fake_provider.requests if r.path.endswith("/audio/transcriptions")][-1]
        assert sent.json["model"] == "gpt-4o-mini-transcribe"
        spoken = client.post("/api/audio/speech", json={"text": "Read me aloud."})
        assert spoken.status_code == 200, spoken.text
        assert spoken.headers["content-type"] == "audio/mpeg"
        assert spoken.content[:2] == b"\xff\xfb"  # MPEG audio frames
        said = [r for r in fake_provider.requests if r.path.endswith("/audio/speech")][-1]
        assert (said.json["model"], said.json["input"]) == ("gpt-4o-mini-tts", "Read me aloud.")
        rows = v1_app.wait_logs(2)
        assert {r["source"] for r in rows} == {"audio"}
        not_audio = client.post("/api/audio/transcriptions", files={"file": ("a.png", b"x", "image/png")})
        assert not_audio.status_code == 400
        assert "is not audio" in not_audio.json()["error"]["message"]
