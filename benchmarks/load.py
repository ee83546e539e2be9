"""Load generation that is not the bottleneck, and CPU time read from the processes themselves.

``wrk`` (C, one event-loop thread, one connection per simulated client) drives the throughput runs when
it is installed (`apt-get install wrk`); otherwise a Python generator in which every worker owns its own
one-connection ``httpx`` client. Either way the client's own ceiling is reported: its CPU time per
request, measured from its process, turned into the requests per second it could drive with one core.
The machine is shared and noisy, so CPU time per request (``/proc/<pid>/stat``: utime + stime of the
server and its children) is the steadier figure; wall-clock rates are reported beside it.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _harness import percentile

TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """utime + stime of ``pid`` alone (cheap enough to read around every single call)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` and every live descendant (a server that forks workers counts whole)."""
    total = 0.0
    for p in [pid, *descendants(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS  # fields 14 and 15 of proc(5)
    return total


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, their children, …)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out: list[int] = []
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            out.append(child)
            stack.append(child)
    return out


class CpuMeter:
    """CPU seconds spent by a set of processes between ``start`` and ``stop``."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.before: dict[str, float] = {}
        self.spent: dict[str, float] = {}

    def start(self) -> CpuMeter:
        self.before = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        return self

    def stop(self) -> dict[str, float]:
        self.spent = {name: cpu_seconds(pid) - self.before[name] for name, pid in self.pids.items()}
        return self.spent


_WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = [==[%(body)s]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(key)s"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%%d,"socket_errors":%%d,"non2xx":%%d,"p50_us":%%d,"p99_us":%%d,"us":%%d}\\n',
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), summary.duration))
end
"""


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def wrk_run(url: str, body: dict[str, Any], key: str, seconds: float, concurrency: int) -> dict[str, Any]:
    """One wrk run (one thread, ``concurrency`` connections): rate, latency and wrk's own CPU time."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT % {"body": json.dumps(body), "key": key})
    try:
        args = ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--timeout", "30s"]
        proc = subprocess.Popen([*args, "-s", script.name, url], stdout=subprocess.PIPE, text=True)
        # wait4 rather than communicate: it also gives wrk's own CPU time (its output fits a pipe)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        assert proc.stdout is not None
        out = proc.stdout.read()
        proc.stdout.close()
    finally:
        os.unlink(script.name)
    line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result: {out[-500:]}")
    raw = json.loads(line[7:])
    elapsed = raw["us"] / 1e6
    return {
        "rps": round(raw["requests"] / elapsed, 1),
        "requests": raw["requests"],
        "errors": raw["socket_errors"] + raw["non2xx"],
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "seconds": round(elapsed, 2),
        "client_cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
    }


def wrk_ceiling_cpu(results: list[dict[str, Any]]) -> float | None:
    """CPU seconds per request of the load generator itself, over runs."""
    cpu = [r["client_cpu_s"] for r in results if r.get("client_cpu_s") is not None]
    requests = sum(r["requests"] for r in results if r.get("client_cpu_s") is not None)
    return sum(cpu) / requests if cpu and requests else None


async def python_run(
    url: str, body: dict[str, Any], key: str, seconds: float, concurrency: int
) -> dict[str, Any]:
    """The fallback generator: ``concurrency`` workers, each with its own one-connection client."""
    latencies: list[float] = []
    errors = 0
    cpu0 = time.process_time()
    deadline = time.perf_counter() + seconds
    headers = {"authorization": f"Bearer {key}"}

    async def worker() -> None:
        nonlocal errors
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    response = await client.post(url, json=body, headers=headers)
                    response.raise_for_status()
                    latencies.append(time.perf_counter() - t0)
                except httpx.HTTPError:
                    errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    ms = [x * 1000 for x in latencies]
    return {
        "rps": round(len(latencies) / elapsed, 1),
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": round(percentile(ms, 50), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "seconds": round(elapsed, 2),
        "client_cpu_s": round(time.process_time() - cpu0, 3),
    }


async def load_run(
    url: str, body: dict[str, Any], key: str, seconds: float, concurrency: int = 32
) -> dict[str, Any]:
    if have_wrk():
        return await asyncio.to_thread(wrk_run, url, body, key, seconds, concurrency)
    return await python_run(url, body, key, seconds, concurrency)
