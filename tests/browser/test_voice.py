"""Voice in Chromium with a fake microphone playing a WAV file: dictation fills the composer from the
fake provider's transcription endpoint, and read-aloud plays the audio of its speech endpoint to the end.
At 390×844 (touch) and 1440×900."""

from __future__ import annotations

import math
import struct
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from llm_router.testing import FakeProvider
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, screenshot
from tests.browser.helpers import assistant, send, wait_complete
from tests.support.server import LiveServer

pytestmark = pytest.mark.browser


def speech_wav(path: Path, seconds: float = 4.0, rate: int = 16000) -> Path:
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(
            b"".join(struct.pack("<h", int(6000 * math.sin(i / 6))) for i in range(int(seconds * rate)))
        )
    return path


@pytest.fixture
def browser(app_server: LiveServer, tmp_path: Path) -> Iterator[Browser]:
    flags = [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={speech_wav(tmp_path / 'dictation.wav')}",
        "--autoplay-policy=no-user-gesture-required",
    ]
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *flags])
        yield launched
        launched.close()


def open_app(browser: Browser, app_server: LiveServer, viewport: dict[str, int]) -> Page:
    context = browser.new_context(
        viewport=viewport,  # type: ignore[arg-type]
        base_url=app_server.url,
        permissions=["microphone"],
        has_touch=viewport["width"] < 1024,
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/")
    page.locator(".statusline").wait_for()
    return page


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_dictation_fills_the_composer_and_read_aloud_plays(
    browser: Browser, app_server: LiveServer, fake_provider: FakeProvider, viewport: dict[str, int]
) -> None:
    size = "phone" if viewport is PHONE else "desktop"
    fake_provider.state.transcript = "What is the tide at noon?"
    page = open_app(browser, app_server, viewport)
    prompt = page.get_by_label("message", exact=True)
    prompt.fill("Quick question:")
    mic = page.get_by_role("button", name="dictate")
    mic.click()
    expect(page.get_by_role("button", name="stop dictation")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("() => Number(document.querySelector('.tools .mic').dataset.chunks) >= 3")
    screenshot(page, f"17-dictating-{size}")
    page.get_by_role("button", name="stop dictation").click()
    expect(prompt).to_have_value("Quick question: What is the tide at noon?", timeout=15_000)
    [heard] = [r for r in fake_provider.requests if r.path.endswith("/audio/transcriptions")]
    assert heard.json["model"] == "gpt-4o-mini-transcribe"
    assert heard.json["file"]["filename"] == "speech.webm"
    assert heard.json["file"]["content_type"].startswith("audio/webm")
    assert heard.json["file"]["size"] > 1000  # the fake microphone's audio, recorded by the page
    screenshot(page, f"17-dictated-{size}")

    send(page, "Read this back to me.")
    expect(page.locator("article.msg-assistant")).to_have_count(1)
    wait_complete(assistant(page))
    read = assistant(page).get_by_role("button", name="read aloud")
    read.click()
    expect(read).to_have_attribute("data-state", "done", timeout=20_000)  # played to its end
    [said] = [r for r in fake_provider.requests if r.path.endswith("/audio/speech")]
    assert said.json["input"] == "Echo: Read this back to me."
    assert said.json["model"] == "gpt-4o-mini-tts"
    played = read.locator("audio").evaluate("a => ({ended: a.ended, duration: a.duration})")
    assert played["ended"]
    assert played["duration"] > 1
    usage = page.request.get("/api/logs", params={"source": "audio"}).json()["items"]
    assert {row["model"] for row in usage} == {"gpt-4o-mini-transcribe", "gpt-4o-mini-tts"}
    screenshot(page, f"17-read-aloud-{size}")
