"""All benchmarks in one command: ``uv run python benchmarks/run.py`` (``--quick`` for the CI smoke run).

Starts the fake provider and the app on loopback as subprocesses, measures the router against calling the
fake provider directly in the same run (interleaved, so machine drift cancels), prints one table with
the targets beside the numbers and writes JSON to ``benchmarks/results/``. Targets are goals, not tests.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import PYTHON, ROOT, Process, free_port, peak_rss_mb, percentile, rss_mb, summary_ms

RESULTS = ROOT / "benchmarks" / "results"
KEY = "sk-bench-0000000000000000"
IDLE_SETTLE_S = 2.0
BODY = {"messages": [{"role": "user", "content": "Say hello to the benchmark."}], "max_tokens": 64}


class Stack:
    """Three fake upstreams (quick echo, 64-chunk stream, slow 20×50 ms stream) and the app in front."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.fakes = {
            "plain": self._fake([]),
            "stream64": self._fake(["--chunks", "64"]),
            "slow": self._fake(["--chunks", "20", "--delay", "0.05"]),
        }
        providers = "providers:\n" + "".join(
            f"  - {{name: {name}, base_url: '{fake.env['URL']}/v1', api_key: {KEY}, models: [fake]}}\n"
            for name, fake in self.fakes.items()
        )
        (workdir / "providers.yaml").write_text(providers)
        self.app_port = free_port()
        self.app_env = {
            "LLM_ROUTER_DATA_DIR": str(workdir / "data"),
            "LLM_ROUTER_AUTH": "none",
            "LLM_ROUTER_PORT": str(self.app_port),
            "LLM_ROUTER_LOG_LEVEL": "WARNING",
            "LLM_ROUTER_PROVIDERS_FILE": str(workdir / "providers.yaml"),
            "OPENAI_API_KEY": "",
            "ANTHROPIC_API_KEY": "",
        }
        self.app = self.app_process()
        self.idle_rss_mb = 0.0

    def _fake(self, extra: list[str]) -> Process:
        port = free_port()
        proc = Process(
            [PYTHON, "-m", "llm_router.testing.fake_provider", "--port", str(port), *extra],
            ready_url=None,
        )
        proc.env["URL"] = f"http://127.0.0.1:{port}"
        return proc

    def app_process(self, data_dir: Path | None = None) -> Process:
        """The app; with ``data_dir``, a second instance on its own port and a fresh database."""
        env = dict(self.app_env)
        port = self.app_port
        if data_dir is not None:
            port = free_port()
            env["LLM_ROUTER_DATA_DIR"] = str(data_dir)
            env["LLM_ROUTER_PORT"] = str(port)
        return Process(
            [PYTHON, "-m", "llm_router", "serve"],
            env=env,
            ready_url=f"http://127.0.0.1:{port}/health",
        )

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    def fake_url(self, name: str) -> str:
        return self.fakes[name].env["URL"]

    def start(self) -> None:
        for fake in self.fakes.values():
            fake.ready_url = None
            fake.start()
        for name in self.fakes:
            _wait_http(f"{self.fake_url(name)}/v1/models", headers={"authorization": f"Bearer {KEY}"})
        self.app.start()
        time.sleep(IDLE_SETTLE_S)  # the catalog's first refresh runs in the background after start-up
        self.idle_rss_mb = round(rss_mb(self.app.pid), 1)

    def stop(self) -> None:
        self.app.stop()
        for fake in self.fakes.values():
            fake.stop()


def _wait_http(url: str, headers: dict[str, str] | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, headers=headers, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{url} did not come up")


# ------------------------------------------------------------------ measurements


async def _post(client: httpx.AsyncClient, url: str, model: str) -> str:
    """One non-streamed answer's text; ``/v1/messages`` URLs speak Anthropic's protocol."""
    anthropic = url.endswith("/v1/messages")
    headers = {"x-api-key": KEY, "anthropic-version": "2023-06-01"} if anthropic else {}
    headers["authorization"] = f"Bearer {KEY}"
    response = await client.post(url, json={**BODY, "model": model}, headers=headers)
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    if anthropic:
        return str(data["content"][0]["text"])
    return str(data["choices"][0]["message"]["content"])


async def _paired(direct_url: str, routed_url: str, routed_model: str, pairs: int) -> dict[str, Any]:
    """Each routed call right after the same call made directly: the difference is what routing adds."""
    direct: list[float] = []
    routed: list[float] = []
    same = True
    async with httpx.AsyncClient(timeout=30) as client:
        for i in range(pairs + 20):  # the first 20 warm both paths up
            t0 = time.perf_counter()
            d = await _post(client, direct_url, "fake")
            t1 = time.perf_counter()
            r = await _post(client, routed_url, routed_model)
            t2 = time.perf_counter()
            if i >= 20:
                direct.append(t1 - t0)
                routed.append(t2 - t1)
            same = same and d == r
    diffs = [r - d for r, d in zip(routed, direct, strict=True)]
    return {
        "direct_ms": summary_ms(direct),
        "routed_ms": summary_ms(routed),
        "added_ms": summary_ms(diffs),
        "content_identical": same,
    }


async def added_latency(stack: Stack, pairs: int) -> dict[str, Any]:
    """Pass-through (an OpenAI client, an OpenAI-protocol upstream: the body and the answer go on as
    they are) at the top level; ``translated``: an Anthropic client (``/v1/messages``) to the same
    upstream, compared with the same Anthropic call made to the fake directly."""
    fake = stack.fake_url("plain")
    passthrough = await _paired(
        f"{fake}/v1/chat/completions", f"{stack.app_url}/v1/chat/completions", "plain/fake", pairs
    )
    translated = await _paired(f"{fake}/v1/messages", f"{stack.app_url}/v1/messages", "plain/fake", pairs)
    return {**passthrough, "translated": translated}


async def throughput(url: str, model: str, seconds: float, concurrency: int = 32) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    await _post(client, url, model)
                    latencies.append(time.perf_counter() - t0)
                except httpx.HTTPError:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "rps": round(len(latencies) / elapsed, 1),
        "p99_ms": round(percentile([x * 1000 for x in latencies], 99), 2),
        "errors": errors,
        "requests": len(latencies),
    }


async def _stream_once(client: httpx.AsyncClient, url: str, model: str) -> tuple[float, float, str]:
    """(time to first content, total time, content) of one OpenAI-format stream."""
    started = time.perf_counter()
    first = 0.0
    parts: list[str] = []
    body = {**BODY, "model": model, "stream": True}
    async with client.stream("POST", url, json=body, headers={"authorization": f"Bearer {KEY}"}) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            for choice in chunk.get("choices", []):
                text = choice.get("delta", {}).get("content")
                if text:
                    if not first:
                        first = time.perf_counter() - started
                    parts.append(text)
    return first, time.perf_counter() - started, "".join(parts)


async def streaming(stack: Stack, runs: int) -> dict[str, Any]:
    direct_url = f"{stack.fake_url('stream64')}/v1/chat/completions"
    routed_url = f"{stack.app_url}/v1/chat/completions"
    d_ttft: list[float] = []
    r_ttft: list[float] = []
    d_total: list[float] = []
    r_total: list[float] = []
    same = True
    async with httpx.AsyncClient(timeout=30) as client:
        for i in range(runs + 5):
            dt, dtot, dtext = await _stream_once(client, direct_url, "fake")
            rt, rtot, rtext = await _stream_once(client, routed_url, "stream64/fake")
            same = same and dtext == rtext and bool(dtext)
            if i >= 5:
                d_ttft.append(dt)
                r_ttft.append(rt)
                d_total.append(dtot)
                r_total.append(rtot)
    return {
        "direct_ttft_ms": summary_ms(d_ttft),
        "routed_ttft_ms": summary_ms(r_ttft),
        "added_ttft_ms": summary_ms([r - d for r, d in zip(r_ttft, d_ttft, strict=True)]),
        "added_total_ms": summary_ms([r - d for r, d in zip(r_total, d_total, strict=True)]),
        "content_identical": same,
    }


async def chat_path(stack: Stack, runs: int) -> dict[str, Any]:
    """POST a user message, then the first SSE delta of the answer, against the provider's own TTFT."""
    api = stack.app_url
    post_to_token: list[float] = []
    provider_ttft: list[float] = []
    complete = 0
    async with httpx.AsyncClient(timeout=30) as client:
        for _ in range(runs):
            ptt, _total, _text = await _stream_once(
                client, f"{stack.fake_url('plain')}/v1/chat/completions", "fake"
            )
            provider_ttft.append(ptt)
            conv = (await client.post(f"{api}/api/conversations", json={"model": "plain/fake"})).json()
            t0 = time.perf_counter()
            sent = await client.post(
                f"{api}/api/conversations/{conv['id']}/messages", json={"content": "hello"}
            )
            sent.raise_for_status()
            message_id = sent.json()["assistant_message"]["id"]
            first = 0.0
            async with client.stream("GET", f"{api}/api/messages/{message_id}/stream") as response:
                event = ""
                async for line in response.aiter_lines():
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: ") and event == "delta" and not first:
                        first = time.perf_counter() - t0
                    elif line.startswith("data: ") and event == "done":
                        complete += json.loads(line[6:])["status"] == "complete"
                        break
            post_to_token.append(first)
    return {
        "post_to_first_token_ms": summary_ms(post_to_token),
        "provider_ttft_ms": summary_ms(provider_ttft),
        "completed": complete,
        "runs": runs,
    }


async def many_streams(stack: Stack, count: int) -> dict[str, Any]:
    url = f"{stack.app_url}/v1/chat/completions"
    gaps: list[float] = []
    completed = 0
    limits = httpx.Limits(max_connections=count + 10, max_keepalive_connections=count + 10)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:

        async def one() -> None:
            nonlocal completed
            body = {**BODY, "model": "slow/fake", "stream": True}
            last = 0.0
            pieces = 0
            try:
                async with client.stream(
                    "POST", url, json=body, headers={"authorization": f"Bearer {KEY}"}
                ) as response:
                    async for line in response.aiter_lines():
                        if line.startswith("data: ") and '"content"' in line:
                            now = time.perf_counter()
                            if last:
                                gaps.append(now - last)
                            last = now
                            pieces += 1
                        if line == "data: [DONE]":
                            completed += pieces == 20
            except httpx.HTTPError:
                pass

        await asyncio.gather(*(one() for _ in range(count)))
    return {
        "streams": count,
        "completed": completed,
        "completion_rate": round(completed / count, 4),
        "gap_p50_ms": round(percentile([g * 1000 for g in gaps], 50), 1),
        "gap_p99_ms": round(percentile([g * 1000 for g in gaps], 99), 1),
        "app_peak_rss_mb": round(peak_rss_mb(stack.app.pid), 1),
    }


def footprint(stack: Stack, starts: int) -> dict[str, Any]:
    """Start-up time to the first ``/health`` 200: a first start (fresh database: migrations run) and a
    restart on that database (what a reboot does); idle RSS of the restarted instance."""
    fresh = []
    for i in range(starts):
        proc = stack.app_process(data_dir=stack.workdir / f"cold-{i}")
        proc.start()
        fresh.append(proc.started_in)
        proc.stop()
    restarts = []
    idle_restarted = 0.0
    for i in range(starts):
        proc = stack.app_process(data_dir=stack.workdir / "cold-0")
        proc.start()
        restarts.append(proc.started_in)
        if i == starts - 1:
            time.sleep(IDLE_SETTLE_S)
            idle_restarted = round(rss_mb(proc.pid), 1)
        proc.stop()
    time.sleep(1.0)
    venv = ROOT / ".venv"
    size = subprocess.run(
        ["du", "-sb", str(venv)], capture_output=True, text=True, check=False
    ).stdout.split()
    return {
        "cold_start_s": round(statistics.median(fresh), 3),
        "cold_starts_s": [round(t, 3) for t in fresh],
        "restart_s": round(statistics.median(restarts), 3),
        "restarts_s": [round(t, 3) for t in restarts],
        "idle_rss_mb": stack.idle_rss_mb,
        "idle_rss_restarted_mb": idle_restarted,
        "rss_after_load_mb": round(rss_mb(stack.app.pid), 1),
        "installed_mb": round(int(size[0]) / 1e6, 1) if size else None,
    }


def web_size() -> dict[str, Any]:
    dist = ROOT / "src" / "llm_router" / "web" / "dist"
    index = dist / "index.html"
    if not index.is_file():
        return {"initial_gzip_kb": None, "note": "web app not built"}
    html = index.read_text()
    assets = re.findall(r'(?:src|href)="/?([^"]+\.(?:js|css))"', html)
    total = sum(len(gzip.compress((dist / a).read_bytes(), 9)) for a in assets if (dist / a).is_file())
    return {"initial_gzip_kb": round(total / 1024, 1), "files": assets}


def search_numbers(sizes: list[int]) -> dict[str, Any]:
    try:
        import search  # benchmarks/search.py
    except ImportError:
        return {"note": "benchmarks/search.py missing"}
    result: dict[str, Any] = search.run(sizes)
    return result


# ------------------------------------------------------------------ report

TARGETS: list[tuple[str, str, Callable[[dict[str, Any]], Any], str]] = [
    ("added latency p50 (pass-through)", "ms", lambda r: r["latency"]["added_ms"]["p50"], "≤ 0.6"),
    ("added latency p99 (pass-through)", "ms", lambda r: r["latency"]["added_ms"]["p99"], "≤ 2"),
    ("added latency p50, translated", "ms", lambda r: r["latency"]["translated"]["added_ms"]["p50"], ""),
    ("added latency p99, translated", "ms", lambda r: r["latency"]["translated"]["added_ms"]["p99"], ""),
    ("routed / direct throughput", "", lambda r: r["throughput"]["ratio"], "≥ 0.5"),
    ("added TTFT p50", "ms", lambda r: r["streaming"]["added_ttft_ms"]["p50"], "≤ 1"),
    ("added total (64 chunks) p50", "ms", lambda r: r["streaming"]["added_total_ms"]["p50"], ""),
    ("chat POST → first token p50", "ms", lambda r: r["chat"]["post_to_first_token_ms"]["p50"], ""),
    ("provider's own TTFT p50", "ms", lambda r: r["chat"]["provider_ttft_ms"]["p50"], ""),
    ("streams completed", "", lambda r: r["streams"]["completion_rate"], "= 1.0"),
    ("stream gap p99 (50 ms pace)", "ms", lambda r: r["streams"]["gap_p99_ms"], ""),
    ("peak RSS under streams", "MB", lambda r: r["streams"]["app_peak_rss_mb"], "≤ 200"),
    ("idle RSS, first start", "MB", lambda r: r["footprint"]["idle_rss_mb"], "≤ 60"),
    ("idle RSS, restart", "MB", lambda r: r["footprint"]["idle_rss_restarted_mb"], "≤ 60"),
    ("RSS after the load above", "MB", lambda r: r["footprint"]["rss_after_load_mb"], ""),
    ("cold start, fresh database", "s", lambda r: r["footprint"]["cold_start_s"], "≤ 1"),
    ("cold start, restart", "s", lambda r: r["footprint"]["restart_s"], "≤ 1"),
    ("installed size", "MB", lambda r: r["footprint"]["installed_mb"], ""),
    ("web initial JS+CSS gzip", "KB", lambda r: r["web"]["initial_gzip_kb"], "≤ 50"),
]


def print_table(results: dict[str, Any]) -> None:
    rows = []
    for name, unit, get, target in TARGETS:
        try:
            value = get(results)
        except (KeyError, TypeError):
            value = None
        rows.append((name, f"{value} {unit}".strip() if value is not None else "n/a", target))
    for key, value in sorted(results.get("search", {}).items()):
        if isinstance(value, int | float):
            rows.append((f"search {key}", f"{value}", ""))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measurement':<{width}}  {'value':>14}  target")
    print("-" * (width + 26))
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>14}  {target}")


async def both_throughputs(stack: Stack, seconds: float) -> dict[str, Any]:
    routed = await throughput(f"{stack.app_url}/v1/chat/completions", "plain/fake", seconds)
    direct = await throughput(f"{stack.fake_url('plain')}/v1/chat/completions", "fake", seconds)
    return {
        "routed": routed,
        "direct": direct,
        "ratio": round(routed["rps"] / direct["rps"], 3) if direct["rps"] else None,
    }


STEPS = ("latency", "streaming", "chat", "throughput", "streams", "footprint", "web", "search")


async def run_async(stack: Stack, quick: bool, only: set[str]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    steps: list[tuple[str, Callable[[], Awaitable[dict[str, Any]]]]] = [
        ("latency", lambda: added_latency(stack, 30 if quick else 1000)),
        ("streaming", lambda: streaming(stack, 5 if quick else 100)),
        ("chat", lambda: chat_path(stack, 3 if quick else 30)),
        ("throughput", lambda: both_throughputs(stack, 1.0 if quick else 10.0)),
        ("streams", lambda: many_streams(stack, 50 if quick else 1000)),
    ]
    for name, step in steps:
        if name in only:
            print(f"… {name}", file=sys.stderr, flush=True)
            results[name] = await step()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small smoke run: correctness, not speed")
    parser.add_argument("--search-sizes", default=None, help="comma-separated message counts")
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument(
        "--only",
        default=",".join(STEPS),
        help=f"comma-separated steps to run (default all: {','.join(STEPS)})",
    )
    args = parser.parse_args(argv)
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    if unknown := only - set(STEPS):
        parser.error(f"unknown steps: {', '.join(sorted(unknown))}; choose from {', '.join(STEPS)}")
    started = time.perf_counter()
    results: dict[str, Any] = {}
    if only - {"web", "search"}:
        with tempfile.TemporaryDirectory(prefix="llmr-bench-") as tmp:
            stack = Stack(Path(tmp))
            try:
                stack.start()
                results = asyncio.run(run_async(stack, args.quick, only))
                if "footprint" in only:
                    print("… footprint", file=sys.stderr, flush=True)
                    results["footprint"] = footprint(stack, 1 if args.quick else 3)
            finally:
                stack.stop()
    if "web" in only:
        results["web"] = web_size()
    if "search" in only:
        # the 1M-message database is built in about 40 s on a quiet machine (the whole run: about 2 minutes)
        sizes = args.search_sizes or ("2000" if args.quick else "100000,1000000")
        print("… search", file=sys.stderr, flush=True)
        results["search"] = search_numbers([int(s) for s in sizes.split(",")])
    results["meta"] = {
        "quick": args.quick,
        "steps": sorted(only),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print_table(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = args.output or RESULTS / ("quick.json" if args.quick else "latest.json")
    out.write_text(json.dumps(results, indent=2))
    print(f"\nJSON written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
