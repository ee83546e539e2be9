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
from load import CpuMeter, cpu_seconds, descendants, have_wrk, load_run, process_cpu, wrk_ceiling_cpu

RESULTS = ROOT / "benchmarks" / "results"
KEY = "sk-bench-0000000000000000"
IDLE_SETTLE_S = 2.0
BODY = {"messages": [{"role": "user", "content": "Say hello to the benchmark."}], "max_tokens": 64}


class Stack:
    """Three fake upstreams (quick echo, 64-chunk stream, slow 20×50 ms stream) and the app in front."""

    def __init__(self, workdir: Path, peer: str | None = None) -> None:
        self.workdir = workdir
        self.peer_name = peer
        self.peer: Process | None = None
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
        # one process, as the gateway targets are stated (the default is one worker per core): with a
        # supervisor in front, the CPU read around each c=1 call would be the supervisor's, ≈ 0
        self.app = self.app_process(workers=1)
        self.idle_rss_mb = 0.0

    def _fake(self, extra: list[str]) -> Process:
        port = free_port()
        proc = Process(
            [PYTHON, "-m", "llm_router.testing.fake_provider", "--port", str(port), *extra],
            ready_url=None,
        )
        proc.env["URL"] = f"http://127.0.0.1:{port}"
        return proc

    def app_process(self, data_dir: Path | None = None, workers: int | None = None) -> Process:
        """The app; with ``data_dir``, a second instance on its own port and a fresh database; with
        ``workers``, ``serve --workers N`` (else the default: one per core, at most 4)."""
        env = dict(self.app_env)
        port = self.app_port
        if data_dir is not None:
            port = free_port()
            env["LLM_ROUTER_DATA_DIR"] = str(data_dir)
            env["LLM_ROUTER_PORT"] = str(port)
        return Process(
            [PYTHON, "-m", "llm_router", "serve", *(["--workers", str(workers)] if workers else [])],
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
        if self.peer_name == "litellm":
            from peer import litellm_process

            upstreams = {name: self.fake_url(name) for name in self.fakes}
            self.peer = litellm_process(self.workdir, upstreams, KEY).start(timeout=300)
            self.peer_idle_rss_mb = round(rss_mb(self.peer.pid), 1)

    @property
    def peer_url(self) -> str | None:
        return self.peer.env["URL"] if self.peer else None

    def report_dead(self) -> None:
        """After a failure: which server is gone, and the end of what it said."""
        named = {"app": self.app, **self.fakes} | ({"peer": self.peer} if self.peer else {})
        for name, proc in named.items():
            if proc.proc is not None and not proc.alive():
                print(f"{name} exited ({proc.proc.returncode}): {proc.stderr_tail()}", file=sys.stderr)

    def stop(self) -> None:
        if self.peer:
            self.peer.stop()
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
    try:
        response = await client.post(url, json={**BODY, "model": model}, headers=headers)
    except httpx.TransportError as exc:
        raise RuntimeError(f"POST {url}: {exc!r}") from exc
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    if anthropic:
        return str(data["content"][0]["text"])
    return str(data["choices"][0]["message"]["content"])


async def _paired(
    direct_url: str, routed_url: str, routed_model: str, pairs: int, stack: Stack, peer_url: str | None
) -> dict[str, Any]:
    """Each routed call right after the same call made directly (and, with a peer, the same call through
    the peer): the difference is what routing adds. One request at a time; each server's CPU time is read
    from its process just before and after each of its calls and summed, so its CPU per call leaves out
    what it burns while idle between calls (the ticks are 10 ms; over hundreds of calls the sum is fair)."""
    direct: list[float] = []
    routed: list[float] = []
    peered: list[float] = []
    cpu = {"app": 0.0, "peer": 0.0}
    same = True

    async def timed(pid: int, url: str, model: str) -> tuple[str, float, float]:
        before = process_cpu(pid)
        t0 = time.perf_counter()
        text = await _post(client, url, model)
        took = time.perf_counter() - t0
        return text, took, process_cpu(pid) - before

    async with httpx.AsyncClient(timeout=30) as client:
        for i in range(pairs + 20):  # the first 20 warm both paths up
            t0 = time.perf_counter()
            d = await _post(client, direct_url, "fake")
            t1 = time.perf_counter()
            r, r_took, r_cpu = await timed(stack.app.pid, routed_url, routed_model)
            if peer_url is not None and stack.peer is not None:
                p, p_took, p_cpu = await timed(stack.peer.pid, peer_url, routed_model)
                same = same and d == p
                if i >= 20:
                    peered.append(p_took)
                    cpu["peer"] += p_cpu
            if i >= 20:
                direct.append(t1 - t0)
                routed.append(r_took)
                cpu["app"] += r_cpu
            same = same and d == r
    result: dict[str, Any] = {
        "direct_ms": summary_ms(direct),
        "routed_ms": summary_ms(routed),
        "added_ms": summary_ms([r - d for r, d in zip(routed, direct, strict=True)]),
        "cpu_ms_per_request": round(cpu["app"] * 1000 / pairs, 3),
        "content_identical": same,
    }
    if peer_url is not None:
        result["peer_added_ms"] = summary_ms([p - d for p, d in zip(peered, direct, strict=True)])
        result["peer_cpu_ms_per_request"] = round(cpu["peer"] * 1000 / pairs, 3)
    return result


async def added_latency(stack: Stack, pairs: int) -> dict[str, Any]:
    """Pass-through (an OpenAI client, an OpenAI-protocol upstream: the body and the answer go on as
    they are) at the top level; ``translated``: an Anthropic client (``/v1/messages``) to the same
    upstream, compared with the same Anthropic call made to the fake directly."""
    fake = stack.fake_url("plain")
    peer = stack.peer_url
    passthrough = await _paired(
        f"{fake}/v1/chat/completions",
        f"{stack.app_url}/v1/chat/completions",
        "plain/fake",
        pairs,
        stack,
        peer and f"{peer}/v1/chat/completions",
    )
    translated = await _paired(
        f"{fake}/v1/messages",
        f"{stack.app_url}/v1/messages",
        "plain/fake",
        pairs,
        stack,
        peer and f"{peer}/v1/messages",
    )
    return {**passthrough, "translated": translated}


async def throughput(stack: Stack, seconds: float, rounds: int, concurrency: int = 32) -> dict[str, Any]:
    """Requests per second at ``concurrency`` open connections, direct, routed and through the peer,
    interleaved round by round (drift on the shared machine hits all alike); ratios are per round, the
    median reported. CPU per request of the router (and the peer) from its process over its runs."""
    body = {**BODY, "model": "fake"}
    targets = {
        "direct": (f"{stack.fake_url('plain')}/v1/chat/completions", "fake"),
        "routed": (f"{stack.app_url}/v1/chat/completions", "plain/fake"),
    }
    if stack.peer_url:
        targets["peer"] = (f"{stack.peer_url}/v1/chat/completions", "plain/fake")
    pids = {"routed": stack.app.pid} | ({"peer": stack.peer.pid} if stack.peer else {})
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
    cpu: dict[str, float] = dict.fromkeys(pids, 0.0)
    for _ in range(rounds):
        for name, (url, model) in targets.items():
            meter = CpuMeter({k: v for k, v in pids.items() if k == name}).start()
            runs[name].append(await load_run(url, {**body, "model": model}, KEY, seconds, concurrency))
            for k, v in meter.stop().items():
                cpu[k] += v
    out: dict[str, Any] = {"client": "wrk" if have_wrk() else "python (one httpx client per worker)"}
    for name, results in runs.items():
        requests = sum(r["requests"] for r in results)
        elapsed = sum(r["seconds"] for r in results)
        out[name] = {
            "rps": round(requests / elapsed, 1),
            "requests": requests,
            "errors": sum(r["errors"] for r in results),
            "p50_ms": statistics.median(r["p50_ms"] for r in results),
            "p99_ms": statistics.median(r["p99_ms"] for r in results),
            "p99_over_p50": round(statistics.median(r["p99_ms"] / r["p50_ms"] for r in results), 2),
            "rounds_rps": [r["rps"] for r in results],
        }
        if name in cpu and requests:
            out[name]["cpu_ms_per_request"] = round(cpu[name] * 1000 / requests, 3)

    def ratio(a: str, b: str) -> float:
        return round(statistics.median(x["rps"] / y["rps"] for x, y in zip(runs[a], runs[b], strict=True)), 3)

    out["ratio"] = ratio("routed", "direct")
    if "peer" in runs:
        out["peer_ratio"] = ratio("peer", "direct")
        out["routed_over_peer"] = ratio("routed", "peer")
    per_request = wrk_ceiling_cpu([r for results in runs.values() for r in results])
    # what the load generator could drive on one core of its own: far above direct = not the bottleneck
    out["client_ceiling_rps"] = round(1 / per_request) if per_request else None
    return out


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
    peer_url = stack.peer_url and f"{stack.peer_url}/v1/chat/completions"
    d_ttft: list[float] = []
    r_ttft: list[float] = []
    d_total: list[float] = []
    r_total: list[float] = []
    p_ttft: list[float] = []
    p_total: list[float] = []
    same = True
    async with httpx.AsyncClient(timeout=30) as client:
        for i in range(runs + 5):
            dt, dtot, dtext = await _stream_once(client, direct_url, "fake")
            rt, rtot, rtext = await _stream_once(client, routed_url, "stream64/fake")
            same = same and dtext == rtext and bool(dtext)
            if peer_url:
                pt, ptot, ptext = await _stream_once(client, peer_url, "stream64/fake")
                same = same and ptext == dtext
            if i >= 5:
                d_ttft.append(dt)
                r_ttft.append(rt)
                d_total.append(dtot)
                r_total.append(rtot)
                if peer_url:
                    p_ttft.append(pt)
                    p_total.append(ptot)
    result = {
        "direct_ttft_ms": summary_ms(d_ttft),
        "routed_ttft_ms": summary_ms(r_ttft),
        "direct_total_ms": summary_ms(d_total),
        "added_ttft_ms": summary_ms([r - d for r, d in zip(r_ttft, d_ttft, strict=True)]),
        "added_total_ms": summary_ms([r - d for r, d in zip(r_total, d_total, strict=True)]),
        "content_identical": same,
    }
    if peer_url:
        result["peer_added_ttft_ms"] = summary_ms([p - d for p, d in zip(p_ttft, d_ttft, strict=True)])
        result["peer_added_total_ms"] = summary_ms([p - d for p, d in zip(p_total, d_total, strict=True)])
    return result


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
                        # a passed-through stream opens with the upstream's own empty role chunk
                        if line.startswith("data: ") and '"content"' in line and '"content":""' not in line:
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
    """Start-up time to the first ``/health`` 200 of one server process (``--workers 1``): first starts
    (fresh database: migrations run) and restarts on that database (what a reboot does), with the idle
    RSS of the last of each; then one restart with the default workers, whose whole process tree is
    measured (the supervisor and every worker)."""
    fresh = []
    fresh_cpu = []  # CPU seconds to the first 200: what the wall time is on an idle machine
    idle_fresh = 0.0
    for i in range(starts):
        proc = stack.app_process(data_dir=stack.workdir / f"cold-{i}", workers=1)
        proc.start()
        fresh.append(proc.started_in)
        fresh_cpu.append(cpu_seconds(proc.pid))
        if i == starts - 1:
            time.sleep(IDLE_SETTLE_S)
            idle_fresh = round(rss_mb(proc.pid), 1)
        proc.stop()
    restarts = []
    restart_cpu = []
    idle_restarted = 0.0
    for i in range(starts):
        proc = stack.app_process(data_dir=stack.workdir / "cold-0", workers=1)
        proc.start()
        restarts.append(proc.started_in)
        restart_cpu.append(cpu_seconds(proc.pid))
        if i == starts - 1:
            time.sleep(IDLE_SETTLE_S)
            idle_restarted = round(rss_mb(proc.pid), 1)
        proc.stop()
    proc = stack.app_process(data_dir=stack.workdir / "cold-0")
    proc.start()
    time.sleep(IDLE_SETTLE_S * 2)  # every worker has answered its first request by now, or is idle
    tree = [proc.pid, *descendants(proc.pid)]
    default_workers = {
        "processes": len(tree),
        "supervisor_rss_mb": round(rss_mb(proc.pid), 1),
        "tree_rss_mb": round(sum(rss_mb(pid) for pid in tree), 1),
        "tree_pss_mb": round(sum(pss_mb(pid) for pid in tree), 1),  # shared pages counted once
        "cpu_s": round(cpu_seconds(proc.pid), 3),
    }
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
        "cold_start_cpu_s": round(statistics.median(fresh_cpu), 3),
        "restart_cpu_s": round(statistics.median(restart_cpu), 3),
        "idle_rss_mb": idle_fresh,
        "idle_rss_restarted_mb": idle_restarted,
        "default_workers": default_workers,
        "stack_app_idle_rss_mb": stack.idle_rss_mb,  # the main app (default workers): its first process
        "rss_after_load_mb": round(rss_mb(stack.app.pid), 1),
        "installed_mb": round(int(size[0]) / 1e6, 1) if size else None,
    }


def pss_mb(pid: int) -> float:
    """Proportional set size: a process's private pages plus its share of pages mapped by others."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


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


def _tree(tree: dict[str, Any]) -> str:
    return (
        f"{tree['tree_rss_mb']} in {tree['processes']} processes"
        f" (PSS {tree['tree_pss_mb']}, supervisor {tree['supervisor_rss_mb']})"
    )


def _ratio(a: float, b: float) -> float:
    return round(a / b, 3)


TARGETS: list[tuple[str, str, Callable[[dict[str, Any]], Any], str]] = [
    ("added latency p50, pass-through", "ms", lambda r: r["latency"]["added_ms"]["p50"], "≤ 0.6"),
    ("added latency p99, pass-through", "ms", lambda r: r["latency"]["added_ms"]["p99"], "≤ 2"),
    ("added latency p50, translated", "ms", lambda r: r["latency"]["translated"]["added_ms"]["p50"], "≤ 0.6"),
    ("added latency p99, translated", "ms", lambda r: r["latency"]["translated"]["added_ms"]["p99"], "≤ 2"),
    ("CPU per routed request, pass-through", "ms", lambda r: r["latency"]["cpu_ms_per_request"], "≤ 0.7"),
    (
        "CPU per routed request, translated",
        "ms",
        lambda r: r["latency"]["translated"]["cpu_ms_per_request"],
        "≤ 0.7",
    ),
    (
        "CPU per routed request at c=32",
        "ms",
        lambda r: r["throughput"]["routed"]["cpu_ms_per_request"],
        "≤ 0.7",
    ),
    ("load client", "", lambda r: r["throughput"]["client"], ""),
    (
        "load client's own ceiling (1 core)",
        "req/s",
        lambda r: r["throughput"]["client_ceiling_rps"],
        "≫ direct",
    ),
    ("direct throughput at c=32", "req/s", lambda r: r["throughput"]["direct"]["rps"], ""),
    ("routed throughput at c=32", "req/s", lambda r: r["throughput"]["routed"]["rps"], ""),
    ("routed / direct throughput, c=32", "", lambda r: r["throughput"]["ratio"], "≥ 0.5"),
    ("p99 / p50 at c=32, routed", "", lambda r: r["throughput"]["routed"]["p99_over_p50"], "≤ 3"),
    ("p99 / p50 at c=32, direct", "", lambda r: r["throughput"]["direct"]["p99_over_p50"], ""),
    ("added TTFT p50 (64-chunk stream)", "ms", lambda r: r["streaming"]["added_ttft_ms"]["p50"], "≤ 1"),
    ("added total p50 (64-chunk stream)", "ms", lambda r: r["streaming"]["added_total_ms"]["p50"], ""),
    ("direct total p50 (64-chunk stream)", "ms", lambda r: r["streaming"]["direct_total_ms"]["p50"], ""),
    ("chat POST → first token p50", "ms", lambda r: r["chat"]["post_to_first_token_ms"]["p50"], ""),
    ("provider's own TTFT p50", "ms", lambda r: r["chat"]["provider_ttft_ms"]["p50"], ""),
    (
        "chat POST → first token over provider TTFT",
        "ms",
        lambda r: round(r["chat"]["post_to_first_token_ms"]["p50"] - r["chat"]["provider_ttft_ms"]["p50"], 2),
        "≤ 5",
    ),
    ("1,000 streams completed", "", lambda r: r["streams"]["completion_rate"], "= 1.0"),
    ("stream gap p99 (50 ms pace)", "ms", lambda r: r["streams"]["gap_p99_ms"], ""),
    ("peak RSS under 1,000 streams", "MB", lambda r: r["streams"]["app_peak_rss_mb"], "≤ 200"),
    ("idle RSS, first start", "MB", lambda r: r["footprint"]["idle_rss_mb"], "≤ 60"),
    ("idle RSS, restart", "MB", lambda r: r["footprint"]["idle_rss_restarted_mb"], "≤ 60"),
    ("RSS after the load above", "MB", lambda r: r["footprint"]["rss_after_load_mb"], ""),
    ("cold start, fresh database", "s", lambda r: r["footprint"]["cold_start_s"], "≤ 1"),
    ("cold start, restart", "s", lambda r: r["footprint"]["restart_s"], "≤ 1"),
    ("cold start CPU, fresh database", "s", lambda r: r["footprint"]["cold_start_cpu_s"], "≤ 1"),
    ("cold start CPU, restart", "s", lambda r: r["footprint"]["restart_cpu_s"], "≤ 1"),
    (
        "idle RSS, default workers (whole tree)",
        "MB",
        lambda r: _tree(r["footprint"]["default_workers"]),
        "",
    ),
    ("installed size", "MB", lambda r: r["footprint"]["installed_mb"], ""),
    ("web initial JS+CSS gzip", "KB", lambda r: r["web"]["initial_gzip_kb"], "≤ 50"),
]
PEER_TARGETS: list[tuple[str, str, Callable[[dict[str, Any]], Any], str]] = [
    ("peer added latency p50, pass-through", "ms", lambda r: r["latency"]["peer_added_ms"]["p50"], ""),
    ("peer added latency p99, pass-through", "ms", lambda r: r["latency"]["peer_added_ms"]["p99"], ""),
    (
        "peer added latency p50, translated",
        "ms",
        lambda r: r["latency"]["translated"]["peer_added_ms"]["p50"],
        "",
    ),
    (
        "router / peer added latency p50",
        "",
        lambda r: _ratio(r["latency"]["added_ms"]["p50"], r["latency"]["peer_added_ms"]["p50"]),
        "≤ 0.2",
    ),
    ("peer CPU per request", "ms", lambda r: r["latency"]["peer_cpu_ms_per_request"], ""),
    (
        "router / peer CPU per request",
        "",
        lambda r: _ratio(r["latency"]["cpu_ms_per_request"], r["latency"]["peer_cpu_ms_per_request"]),
        "",
    ),
    ("peer throughput at c=32", "req/s", lambda r: r["throughput"]["peer"]["rps"], ""),
    ("peer / direct throughput", "", lambda r: r["throughput"]["peer_ratio"], ""),
    ("router / peer throughput", "", lambda r: r["throughput"]["routed_over_peer"], "≥ 5"),
    ("p99 / p50 at c=32, peer", "", lambda r: r["throughput"]["peer"]["p99_over_p50"], ""),
    ("peer added TTFT p50 (64 chunks)", "ms", lambda r: r["streaming"]["peer_added_ttft_ms"]["p50"], ""),
    ("peer added total p50 (64 chunks)", "ms", lambda r: r["streaming"]["peer_added_total_ms"]["p50"], ""),
    ("peer idle RSS", "MB", lambda r: r["peer"]["idle_rss_mb"], ""),
]


def print_table(results: dict[str, Any]) -> None:
    rows = []
    for name, unit, get, target in TARGETS + (PEER_TARGETS if "peer" in results else []):
        try:
            value = get(results)
        except (KeyError, TypeError):
            value = None
        rows.append((name, f"{value} {unit}".strip() if value is not None else "n/a", target))
    workers = results.get("workers", {})
    if "note" in workers:
        rows.append(("throughput at 1, 2, N workers", "n/a", workers["note"]))
    for key, value in sorted(workers.items()):
        if isinstance(value, int | float):
            rows.append((f"workers: {key}", f"{value}", ""))
    for key, value in sorted(results.get("search", {}).items()):
        if isinstance(value, int | float):
            rows.append((f"search {key}", f"{value}", ""))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measurement':<{width}}  {'value':>16}  target")
    print("-" * (width + 28))
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>16}  {target}")


STEPS = (
    "latency",
    "streaming",
    "chat",
    "throughput",
    "workers",
    "streams",
    "footprint",
    "web",
    "search",
)


async def workers_step(stack: Stack, quick: bool) -> dict[str, Any]:
    """Throughput at 1, 2 and N server processes (``llm-router serve --workers N``), measured by
    ``benchmarks/workers.py`` when it is there: ``measure(stack, quick)`` (a coroutine) returning a flat
    dict of numbers (e.g. ``{"rps at 1": …, "rps at 2": …, "rps at N": …}``) that the table prints."""
    try:
        import workers  # benchmarks/workers.py
    except ModuleNotFoundError:
        print("… workers: benchmarks/workers.py is not here yet, step skipped", file=sys.stderr, flush=True)
        return {"note": "skipped: benchmarks/workers.py missing"}
    measure = getattr(workers, "measure", None)
    if measure is None:  # the module runs on its own (its own servers): not wired into this run yet
        note = "not wired: run `uv run python benchmarks/workers.py`"
        print(f"… workers: {note}", file=sys.stderr, flush=True)
        return {"note": note}
    result: dict[str, Any] = await measure(stack, quick)
    return result


async def run_async(stack: Stack, quick: bool, only: set[str]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    steps: list[tuple[str, Callable[[], Awaitable[dict[str, Any]]]]] = [
        # with a peer every pair is a triple, and LiteLLM's calls take 10–80 ms: fewer rounds keep the
        # whole run within 8 minutes on the shared 2-core machine
        ("latency", lambda: added_latency(stack, 30 if quick else 400 if stack.peer else 1000)),
        ("streaming", lambda: streaming(stack, 5 if quick else 40 if stack.peer else 100)),
        ("chat", lambda: chat_path(stack, 3 if quick else 30)),
        ("throughput", lambda: throughput(stack, 1.0 if quick else 5.0, 1 if quick else 3)),
        ("workers", lambda: workers_step(stack, quick)),
        ("streams", lambda: many_streams(stack, 50 if quick else 1000)),
    ]
    for name, step in steps:
        if name in only:
            print(f"… {name}", file=sys.stderr, flush=True)
            started = time.perf_counter()
            results[name] = await step()
            results[name]["step_seconds"] = round(time.perf_counter() - started, 1)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small smoke run: correctness, not speed")
    parser.add_argument("--search-sizes", default=None, help="comma-separated message counts")
    parser.add_argument(
        "--peer",
        choices=("litellm",),
        default=None,
        help="measure a peer gateway beside the router, interleaved (installed on first use)",
    )
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
            stack = Stack(Path(tmp), peer=args.peer)
            try:
                stack.start()
                results = asyncio.run(run_async(stack, args.quick, only))
                if stack.peer is not None:
                    from peer import LITELLM_VERSION

                    results["peer"] = {
                        "name": f"litellm[proxy]=={LITELLM_VERSION}",
                        "idle_rss_mb": stack.peer_idle_rss_mb,
                    }
                    stack.peer.stop()  # its background work must not slow the start-ups measured next
                    stack.peer = None
                if "footprint" in only:
                    print("… footprint", file=sys.stderr, flush=True)
                    results["footprint"] = footprint(stack, 1 if args.quick else 3)
            except BaseException:
                stack.report_dead()
                raise
            finally:
                stack.stop()
    if "web" in only:
        results["web"] = web_size()
    if "search" in only:
        # the 1M-message database is built in about 40 s on a quiet machine (the whole run: about 2 minutes)
        # 1M (--search-sizes 100000,1000000) takes minutes to build under load: left out of the default run
        sizes = args.search_sizes or ("2000" if args.quick else "100000")
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
