"""A translated call (client and upstream speak different protocols) asks the upstream for what the
client asked for: one whole JSON answer for a non-stream request, a stream for a stream."""

from __future__ import annotations

from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour, FakeUsage
from tests.support.v1 import ANTHROPIC_MODEL, OPENAI_MODEL, V1App


def test_a_non_stream_anthropic_call_to_an_openai_upstream_asks_for_one_answer(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    usage = FakeUsage(input_tokens=12, output_tokens=3)
    fake_provider.enqueue(Behaviour(chunks=["Whole", " answer"], usage=usage), model=OPENAI_MODEL)

    message = v1_app.anthropic().messages.create(
        model=OPENAI_MODEL, max_tokens=50, messages=[{"role": "user", "content": "hello"}]
    )

    sent = fake_provider.requests[-1].json
    assert sent["stream"] is False
    assert "stream_options" not in sent  # OpenAI refuses stream_options without a stream
    assert message.content[0].text == "Whole answer"  # type: ignore[union-attr]
    assert message.stop_reason == "end_turn"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (12, 3)


def test_a_non_stream_openai_call_to_an_anthropic_upstream_asks_for_one_answer(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    usage = FakeUsage(input_tokens=9, output_tokens=2)
    fake_provider.enqueue(Behaviour(chunks=["Hi", " you"], usage=usage), model=ANTHROPIC_MODEL)

    completion = v1_app.openai().chat.completions.create(
        model=ANTHROPIC_MODEL, messages=[{"role": "user", "content": "hello"}]
    )

    assert fake_provider.requests[-1].json["stream"] is False
    assert completion.choices[0].message.content == "Hi you"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (9, 2)


def test_a_streamed_translated_call_still_streams_from_the_upstream(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(Behaviour(chunks=["a", "b", "c"]), model=OPENAI_MODEL)

    with v1_app.anthropic().messages.stream(
        model=OPENAI_MODEL, max_tokens=50, messages=[{"role": "user", "content": "go"}]
    ) as stream:
        text = "".join(stream.text_stream)

    assert text == "abc"
    sent = fake_provider.requests[-1].json
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}
