"""The fake provider's OpenAI Audio API: ``POST /v1/audio/transcriptions`` (multipart) and
``POST /v1/audio/speech`` (JSON in, audio bytes out).

It keeps the rules a router can get wrong: the models of each endpoint, the file formats transcription
takes (by the file name's extension, as the real API checks), 25 MB per file, gpt-4o transcription
models answering only ``json``/``text``, the voices, 4096 characters of input, ``instructions`` only for
gpt-4o-mini-tts, and the usage each model reports (seconds for whisper-1, tokens for gpt-4o models). The
transcript is ``FakeState.transcript`` (the fake hears nothing); speech is a real WAV tone or silent MP3
frames, about as long as the text would take to say.
"""

from __future__ import annotations

import io
import math
import struct
import wave
from typing import Any

TRANSCRIBE = ("whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe")
SPEECH = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts")
VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse")
FILE_FORMATS = ("flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm")
SPEECH_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
MAX_FILE = 25 * 1024 * 1024
MP3_FRAME = b"\xff\xfb\x90\xc4" + bytes(413)  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, mono: silence


class AudioRequestError(Exception):
    def __init__(self, status: int, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param


def _seconds(data: bytes) -> float:
    try:
        with wave.open(io.BytesIO(data)) as audio:
            frames: int = audio.getnframes()
            return frames / float(audio.getframerate() or 1)
    except (wave.Error, EOFError):
        return max(1.0, len(data) / 4000)  # compressed audio: about 32 kbit/s


def transcription(fields: dict[str, Any], file: tuple[str, bytes] | None, transcript: str) -> tuple[Any, str]:
    """The answer body and its content type, or ``AudioRequestError`` as the real API refuses."""
    model = fields.get("model")
    if not model:
        raise AudioRequestError(400, "you must provide a model parameter", "model")
    if model not in TRANSCRIBE:
        raise AudioRequestError(
            400, f"Invalid model {model}: expected one of {', '.join(TRANSCRIBE)}.", "model"
        )
    if file is None:
        raise AudioRequestError(400, "Missing required parameter: 'file'.", "file")
    name, data = file
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in FILE_FORMATS:
        raise AudioRequestError(400, f"Invalid file format. Supported formats: {list(FILE_FORMATS)}", "file")
    if len(data) > MAX_FILE:
        raise AudioRequestError(413, "Maximum content size limit (26214400) exceeded.", "file")
    if not data:
        raise AudioRequestError(400, "Audio file is too short. Minimum audio length is 0.1 seconds.", "file")
    response_format = fields.get("response_format", "json")
    allowed = (
        ("json", "text") if model.startswith("gpt-4o") else ("json", "text", "srt", "verbose_json", "vtt")
    )
    if response_format not in allowed:
        raise AudioRequestError(
            400,
            f"response_format '{response_format}' is not compatible with model '{model}'.",
            "response_format",
        )
    seconds = _seconds(data)
    if response_format == "text":
        return transcript + "\n", "text/plain; charset=utf-8"
    if model == "whisper-1":
        usage: dict[str, Any] = {"type": "duration", "seconds": math.ceil(seconds)}
    else:
        audio_tokens = max(1, round(seconds * 10))
        words = len(transcript.split())
        usage = {
            "type": "tokens",
            "input_tokens": audio_tokens,
            "input_token_details": {"text_tokens": 0, "audio_tokens": audio_tokens},
            "output_tokens": words,
            "total_tokens": audio_tokens + words,
        }
    return {"text": transcript, "usage": usage}, "application/json"


def speech(body: Any) -> tuple[bytes, str]:
    if not isinstance(body, dict):
        raise AudioRequestError(400, "We could not parse the JSON body of your request.")
    model = body.get("model")
    if model not in SPEECH:
        raise AudioRequestError(400, f"Invalid model {model}: expected one of {', '.join(SPEECH)}.", "model")
    text = body.get("input")
    if not isinstance(text, str) or not text:
        raise AudioRequestError(400, "Missing required parameter: 'input'.", "input")
    if len(text) > 4096:
        raise AudioRequestError(
            400,
            "Invalid 'input': string too long. Expected a string with maximum length 4096, but got a "
            f"string with length {len(text)} instead.",
            "input",
        )
    if body.get("voice") not in VOICES:
        raise AudioRequestError(
            400, f"Invalid value for 'voice': expected one of {', '.join(VOICES)}.", "voice"
        )
    kind = body.get("response_format", "mp3")
    if kind not in SPEECH_TYPES:
        raise AudioRequestError(400, f"Invalid value: '{kind}'.", "response_format")
    if body.get("instructions") and model != "gpt-4o-mini-tts":
        raise AudioRequestError(400, "instructions are not supported for this model.", "instructions")
    seconds = min(8.0, 0.5 + len(text) / 15)
    if kind == "mp3":
        return MP3_FRAME * int(seconds * 44100 / 1152), SPEECH_TYPES[kind]
    if kind == "wav":
        return _tone(seconds), SPEECH_TYPES[kind]
    return bytes(int(seconds * 4000)), SPEECH_TYPES[kind]  # other formats: bytes of the right size only


def _tone(seconds: float, rate: int = 24000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        samples = (int(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(int(seconds * rate)))
        audio.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return out.getvalue()
