"""Every scripted fault of the fake provider becomes its error kind, on both protocols, and the key
never shows in an error's text or in any log line (caplog at DEBUG, the SDKs' and httpx's included)."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from llm_router.core.errors import StartupError
from llm_router.core.settings import Settings
from llm_router.providers._http import SdkStreamModel
from llm_router.providers.base import ChatMessage, ChatRequest, StreamEvent, TextDelta, UpstreamError
from llm_router.providers.config import ProviderConfig, Timeouts
from llm_router.providers.registry import ProviderAdapter, ProviderRegistry, make_adapter
from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour

CANARY = "sk-canary-7Qx2LmZp9RtYvW4n8KcB1dHs"
MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-haiku-4-5"}


def config_for(protocol: str, fake: FakeProvider, key: str = CANARY) -> ProviderConfig:
    base = fake.openai_base_url if protocol == "openai" else fake.anthropic_base_url
    source = "OPENAI_API_KEY" if protocol == "openai" else "ANTHROPIC_API_KEY"
    return ProviderConfig(protocol, protocol, base, key, key_hint_source=source)  # type: ignore[arg-type]


@pytest.fixture(params=["openai", "anthropic"])
async def adapter(
    request: pytest.FixtureRequest, fake_provider: FakeProvider
) -> AsyncIterator[ProviderAdapter]:
    made = make_adapter(config_for(request.param, fake_provider), None, max_retries=0)
    yield made
    await made.aclose()


async def failure(
    adapter: ProviderAdapter, timeout: float | None = None
) -> tuple[list[StreamEvent], UpstreamError]:
    """Stream until the adapter raises; return what arrived before, and the error."""
    model = MODELS.get(adapter.provider, "gpt-4o-mini")
    request = ChatRequest(model=model, messages=(ChatMessage("user", "hello there"),), timeout=timeout)
    events: list[StreamEvent] = []

    async def consume() -> None:
        async for event in adapter.stream(request):
            events.append(event)

    with pytest.raises(UpstreamError) as caught:
        await consume()
    error = caught.value
    assert error.provider == adapter.provider
    assert error.model == model
    return events, error


def assert_no_canary(*texts: str) -> None:
    for text in texts:
        assert CANARY not in text
        assert CANARY[3:15] not in text, "no partial echo of the key either"


@pytest.mark.parametrize(
    ("behaviour", "kind", "status"),
    [
        (Behaviour(status=401), "auth", 401),
        (Behaviour(status=403), "auth", 403),
        (Behaviour(status=429, retry_after=7), "rate_limit", 429),
        (Behaviour(status=529), "overloaded", 529),
        (Behaviour(status=500), "upstream_error", 500),
        (Behaviour(status=503), "upstream_error", 503),
        (Behaviour(status=400), "context_length", 400),
        (Behaviour(status=404), "not_found", 404),
        (Behaviour(status=422, error_message="Unknown parameter: frobnicate."), "bad_request", 422),
    ],
)
async def test_error_statuses_map_to_kinds(
    adapter: ProviderAdapter,
    fake_provider: FakeProvider,
    behaviour: Behaviour,
    kind: str,
    status: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_provider.enqueue(behaviour)
    events, error = await failure(adapter)
    assert events == []
    assert (error.kind, error.status) == (kind, status)
    assert error.retryable == (kind in {"rate_limit", "overloaded", "upstream_error"})
    if kind == "rate_limit":
        assert error.retry_after == 7
    if kind == "auth":
        variable = "OPENAI_API_KEY" if adapter.provider == "openai" else "ANTHROPIC_API_KEY"
        assert f"set {variable} or add a key under Settings → Keys" in error.message
    assert any(r.levelno == logging.WARNING and error.kind in r.getMessage() for r in caplog.records)
    assert_no_canary(str(error), error.message, caplog.text)


async def test_a_key_echoed_by_the_provider_is_scrubbed_from_errors_and_logs(
    adapter: ProviderAdapter, fake_provider: FakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    masked = f"{CANARY[:10]}{'*' * 20}{CANARY[-4:]}"
    fake_provider.enqueue(Behaviour(status=401, error_message=f"Incorrect API key provided: {CANARY}."))
    fake_provider.enqueue(Behaviour(status=400, error_message=f"Incorrect API key provided: {masked}."))
    _, full_echo = await failure(adapter)
    _, masked_echo = await failure(adapter)
    assert full_echo.kind == "auth"
    assert_no_canary(str(full_echo), str(masked_echo), caplog.text)
    assert masked not in str(masked_echo)
    assert masked not in caplog.text
    assert fake_provider.requests[0].api_key == CANARY, "the key itself did reach the provider"


async def test_no_first_byte_before_the_timeout_is_a_timeout(
    adapter: ProviderAdapter, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(Behaviour(first_byte_delay=30))
    _, error = await failure(adapter, timeout=0.3)
    assert error.kind == "timeout"
    assert error.retryable


async def test_a_connection_cut_mid_stream_is_stream_cut_after_the_text_so_far(
    adapter: ProviderAdapter, fake_provider: FakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_provider.enqueue(Behaviour(chunks=["one ", "two ", "three ", "four"], cut_after=2))
    events, error = await failure(adapter)
    assert events == [TextDelta("one "), TextDelta("two ")]
    assert error.kind == "stream_cut"
    assert not error.retryable, "text was already produced: falling back would repeat it"
    assert_no_canary(error.message, caplog.text)
    # said in words a user reads, not as the HTTP client's exception
    assert "the connection closed before the answer was complete" in error.message
    assert "TransferEncodingError" not in error.message


async def test_a_malformed_event_mid_stream_is_stream_cut(
    adapter: ProviderAdapter, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(Behaviour(chunks=["one ", "two ", "three"], malformed_at=1))
    events, error = await failure(adapter)
    assert events == [TextDelta("one ")]
    assert error.kind == "stream_cut"


async def test_an_error_event_inside_the_stream_keeps_its_kind(
    adapter: ProviderAdapter, fake_provider: FakeProvider
) -> None:
    # Anthropic sends overloaded_error events mid-stream; OpenAI a server_error
    fake_provider.enqueue(Behaviour(chunks=["one ", "two"], error_after=1))
    events, error = await failure(adapter)
    assert events == [TextDelta("one ")]
    assert error.kind == ("overloaded" if adapter.provider == "anthropic" else "upstream_error")


@pytest.mark.parametrize("protocol", ["openai", "anthropic"])
async def test_nothing_listening_is_a_connection_error(
    protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}" + ("/v1" if protocol == "openai" else "")
    config = ProviderConfig(protocol, protocol, base, CANARY)  # type: ignore[arg-type]
    made = make_adapter(config, None, max_retries=0)
    try:
        _, error = await failure(made)
    finally:
        await made.aclose()
    assert error.kind == "connection"
    assert "check its base URL" in error.message
    assert_no_canary(error.message, caplog.text)


def test_the_key_never_shows_in_a_config_repr() -> None:
    config = ProviderConfig("openai", "openai", "https://api.openai.com/v1", CANARY)
    assert CANARY not in repr(config)
    assert "api_key='…1dHs'" in repr(config)
    assert config.key_hint == "…1dHs"


NGINX_502 = """<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx/1.25.3</center>
<script>var secret = "x";</script>
</body>
</html>
"""


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        (NGINX_502, "HTML page: 502 Bad Gateway"),
        (
            "<!DOCTYPE html><html><body><p>Upstream &amp; proxy\n  down</p></body></html>",
            "Upstream & proxy down",
        ),
    ],
)
async def test_an_html_error_page_becomes_a_one_line_reason(
    adapter: ProviderAdapter, fake_provider: FakeProvider, page: str, reason: str
) -> None:
    fake_provider.enqueue(Behaviour(status=502, error_html=page))
    _, error = await failure(adapter)
    assert error.kind == "upstream_error"
    assert reason in error.message
    assert "<" not in error.message
    assert "\n" not in error.message
    assert "nginx/1.25.3" not in error.message


async def test_a_provider_silent_past_its_read_timeout_fails_as_timeout_after_the_text_so_far(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    # The providers file sets a per-provider read timeout (the gap between pieces, not the whole call);
    # the instance default (settings) applies where the file says nothing.
    providers_file = tmp_path / "providers.yaml"
    url = fake_provider.openai_base_url
    providers_file.write_text(
        "providers:\n"
        f"  - {{name: quick, base_url: '{url}', read_timeout: 0.5, is_local: true}}\n"
        f"  - {{name: patient, base_url: '{url}', is_local: true}}\n"
    )
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path, providers_file=providers_file, upstream_connect_timeout=3
    )
    registry = ProviderRegistry.from_settings(settings, {})
    try:
        quick = registry.adapter("quick")
        patient = registry.adapter("patient")
        assert isinstance(quick, SdkStreamModel)
        assert isinstance(patient, SdkStreamModel)
        assert quick.timeouts == Timeouts(connect=3, read=0.5)
        assert patient.timeouts == Timeouts(connect=3, read=settings.upstream_read_timeout)
        fake_provider.enqueue(Behaviour(chunks=["one ", "two ", "three"], pause_after=1))
        events, error = await failure(quick)
        assert error.kind == "timeout"
        assert "did not answer in time" in error.message
        assert [e.text for e in events if isinstance(e, TextDelta)] == ["one "]
    finally:
        fake_provider.release()
        await registry.aclose()


def test_a_bad_timeout_in_the_providers_file_stops_start_up(tmp_path: Path) -> None:
    providers_file = tmp_path / "providers.yaml"
    providers_file.write_text(
        "providers:\n  - {name: x, base_url: 'http://127.0.0.1:9/v1', read_timeout: 0}\n"
    )
    settings = Settings(_env_file=None, data_dir=tmp_path, providers_file=providers_file)  # type: ignore[call-arg]
    with pytest.raises(StartupError, match="read_timeout"):
        ProviderRegistry.from_settings(settings, {})


async def test_an_empty_200_stream_is_a_context_overflow_with_advice_not_a_cut(
    adapter: ProviderAdapter, fake_provider: FakeProvider
) -> None:
    # llama.cpp's server answers a prompt past its window with an empty 200 stream (fake: context_window)
    fake_provider.enqueue(Behaviour(context_window=1, stream_usage=False))
    events, error = await failure(adapter)
    assert events == []
    assert error.kind == "context_length"
    assert "context window" in error.message
    assert "new branch" in error.message
    assert "retry" not in error.message
    assert not error.retryable


async def test_a_local_servers_context_size_error_text_is_context_length(
    adapter: ProviderAdapter, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(
        Behaviour(
            status=400, error_message="the request exceeds the available context size, try increasing it"
        )
    )
    _, error = await failure(adapter)
    assert error.kind == "context_length"
    assert "too long" in error.message
