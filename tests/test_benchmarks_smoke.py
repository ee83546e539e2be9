"""The benchmark command runs end to end (``--quick``): correctness only, no timing assertions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_quick_benchmark_runs_and_routes_correctly(tmp_path: Path) -> None:
    out = tmp_path / "quick.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=400,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["latency"]["content_identical"] is True
    assert data["latency"]["translated"]["content_identical"] is True
    assert data["streaming"]["content_identical"] is True
    assert data["chat"]["completed"] == data["chat"]["runs"]
    assert data["streams"]["completion_rate"] == 1.0
    assert data["throughput"]["routed"]["errors"] == 0
    assert data["throughput"]["direct"]["errors"] == 0
    assert data["workers"]["req/s at 1 worker"] > 0  # the 1, 2, N workers step ran its own servers
    assert data["workers"]["req/s at 2 workers"] > 0
    assert "added latency p50" in result.stdout  # the table is printed with targets
    assert "≤ 0.6" in result.stdout


def test_the_local_first_eval_runner_reports_share_quality_and_savings_per_threshold() -> None:
    # --demo: the shipped sample CSV against the fake provider (local: plain answers with logprobs)
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "local_first_eval.py"), "--demo"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("10 prompts")
    table = {float(line.split()[0]): line.split()[1:] for line in lines[2:]}
    assert sorted(table) == [0.5, 0.6, 0.7, 0.8, 0.9]
    # a confident wrong answer (e^-0.2 ≈ 0.82) is kept up to 0.8 and escalated at 0.9
    assert table[0.8][0] == "70%"
    assert table[0.9][0] == "60%"
    assert float(table[0.8][1]) < float(table[0.9][1]) == 1.0
    assert float(table[0.5][3]) > 0, "answering locally saved money"
