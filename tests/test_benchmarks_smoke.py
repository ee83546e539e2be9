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
    assert "added latency p50" in result.stdout  # the table is printed with targets
    assert "≤ 0.6" in result.stdout
