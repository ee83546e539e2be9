"""Pick the local-first confidence threshold from data: for each prompt of a CSV, ask the local model with
the same probe the router uses (token cap, time limit, stated confidence and token logprobs) and the cloud
model; then, for each threshold, report the share answered locally, the quality of the answers a user
would get (token F1 against the reference, and relative to the cloud's own), and the money saved.

    uv run python benchmarks/local_first_eval.py --local ollama/llama3.2 --cloud gpt-4o-mini my.csv
    uv run python benchmarks/local_first_eval.py --demo      # offline, against the fake provider

The CSV has ``prompt`` and ``reference`` columns (``demo_local_answer``/``demo_logprob`` drive ``--demo``).
Providers come from the usual settings (environment, providers file), as for the server.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from llm_router.core.settings import Settings
from llm_router.providers.base import ChatMessage, ChatRequest, UpstreamError, collect
from llm_router.providers.registry import ProviderRegistry, ResolvedModel
from llm_router.services.routing.local_first import judge, probe_request, run_probe

SAMPLE = Path(__file__).with_name("local_first_sample.csv")
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Row:
    prompt: str
    reference: str
    confidence: float
    local_quality: float
    cloud_quality: float
    local_cost: float
    cloud_cost: float


def f1(answer: str, reference: str) -> float:
    """Token-overlap F1 (the SQuAD measure): 1.0 for the same words, 0 for none in common."""
    got, want = Counter(_WORD.findall(answer.lower())), Counter(_WORD.findall(reference.lower()))
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


async def evaluate(prompt: str, reference: str, local: ResolvedModel, cloud: ResolvedModel) -> Row:
    request = ChatRequest(model=local.model_id, messages=(ChatMessage("user", prompt),))
    try:
        result = await run_probe(local.adapter, probe_request(request, local.model_id))
        verdict = judge(result)
        answer, confidence, local_cost = verdict.answer, verdict.confidence, local.price(result.usage) or 0.0
    except UpstreamError:
        answer, confidence, local_cost = "", 0.0, 0.0
    cloud_result = await collect(
        cloud.adapter.stream(ChatRequest(model=cloud.model_id, messages=request.messages))
    )
    return Row(
        prompt,
        reference,
        confidence,
        f1(answer, reference),
        f1(cloud_result.text, reference),
        local_cost,
        cloud.price(cloud_result.usage) or 0.0,
    )


def report(rows: list[Row], thresholds: tuple[float, ...]) -> list[dict[str, float]]:
    """Per threshold: local share, mean quality of the answers given, that quality relative to always
    asking the cloud, and dollars saved against always asking the cloud."""
    cloud_quality = sum(r.cloud_quality for r in rows) / len(rows)
    out = []
    for threshold in thresholds:
        local = [r for r in rows if r.confidence >= threshold]
        quality = sum(r.local_quality if r.confidence >= threshold else r.cloud_quality for r in rows) / len(
            rows
        )
        saved = sum(r.cloud_cost - r.local_cost for r in local) - sum(
            r.local_cost for r in rows if r not in local
        )
        out.append(
            {
                "threshold": threshold,
                "local_share": len(local) / len(rows),
                "quality": quality,
                "quality_vs_cloud": quality / cloud_quality if cloud_quality else float("nan"),
                "saved_usd": saved,
            }
        )
    return out


def print_table(lines: list[dict[str, float]], count: int) -> None:
    print(f"{count} prompts · quality = token F1 against the reference")
    print(f"{'threshold':>9}  {'local share':>11}  {'quality':>7}  {'vs cloud':>8}  {'saved $':>10}")
    for line in lines:
        print(
            f"{line['threshold']:>9.2f}  {line['local_share']:>11.0%}  {line['quality']:>7.2f}  "
            f"{line['quality_vs_cloud']:>8.0%}  {line['saved_usd']:>10.6f}"
        )


async def run(csv_path: Path, local_name: str, cloud_name: str, thresholds: tuple[float, ...]) -> None:
    with csv_path.open(newline="", encoding="utf-8") as handle:
        prompts = [(r["prompt"], r["reference"]) for r in csv.DictReader(handle)]
    registry = ProviderRegistry.from_settings(Settings())
    try:
        local, cloud = registry.resolve(local_name), registry.resolve(cloud_name)
        rows = [await evaluate(prompt, reference, local, cloud) for prompt, reference in prompts]
    finally:
        await registry.aclose()
    print_table(report(rows, thresholds), len(rows))


def demo(csv_path: Path, thresholds: tuple[float, ...]) -> None:
    """The whole runner offline: a fake "local" server answering as the CSV's demo columns say (plain text
    with logprobs, as small models do) and a fake "cloud" answering the reference."""
    from llm_router.testing import Behaviour, FakeProvider

    with csv_path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with FakeProvider() as local_fake, FakeProvider() as cloud_fake:
        for row in rows:
            logprob = float(row["demo_logprob"])
            local_fake.enqueue(Behaviour(chunks=[row["demo_local_answer"]], logprobs=[logprob]))
            cloud_fake.enqueue(Behaviour(chunks=[row["reference"]]))
        os.environ.update(
            OPENAI_API_KEY="sk-demo-not-a-real-key",
            OPENAI_BASE_URL=cloud_fake.openai_base_url,
            OLLAMA_BASE_URL=local_fake.url,
        )
        asyncio.run(run(csv_path, "ollama/llama3.2", "gpt-4o-mini", thresholds))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("csv", nargs="?", type=Path, default=SAMPLE, help="prompt,reference CSV")
    parser.add_argument("--local", default="ollama/llama3.2", help="the local model (as the router names it)")
    parser.add_argument("--cloud", default="gpt-4o-mini", help="the cloud model it would escalate to")
    parser.add_argument("--thresholds", default=",".join(map(str, THRESHOLDS)))
    parser.add_argument("--demo", action="store_true", help="offline, against the fake provider")
    args = parser.parse_args(argv)
    thresholds = tuple(float(t) for t in args.thresholds.split(","))
    if args.demo:
        demo(args.csv, thresholds)
    else:
        asyncio.run(run(args.csv, args.local, args.cloud, thresholds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
