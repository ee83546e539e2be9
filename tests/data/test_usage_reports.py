"""The dashboard's figures reconcile: series, breakdowns and the CSV/JSON export all add up to the sum of
the usage rows in the window (seeded straight into the database, both backends)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from llm_router.core.settings import Settings
from tests.data.seed_usage import seed_usage, usage_rows
from tests.support.chat import chat_server, client  # noqa: F401

END = datetime(2026, 11, 30, 12, tzinfo=UTC)
WINDOW = {"from": "2026-10-01", "to": "2026-11-30"}


@pytest.fixture
def rows(settings: Settings) -> list[dict[str, object]]:
    seeded = usage_rows(600, days=75, end=END)  # some before the window: they must not count
    seed_usage(settings.database_url, seeded)
    first = datetime(2026, 10, 1, tzinfo=UTC)
    return [r for r in seeded if first <= r["created_at"] < END.replace(hour=0) + timedelta(days=1)]  # type: ignore[operator]


def test_series_breakdowns_and_exports_reconcile(client: httpx.Client, rows: list[dict[str, object]]) -> None:  # noqa: F811
    expected_cost = sum(r["cost"] or 0.0 for r in rows)  # type: ignore[misc]
    expected_out = sum(r["tokens_out"] for r in rows)  # type: ignore[misc]
    for bucket in ("day", "week", "month"):
        series = client.get("/api/usage/series", params={"bucket": bucket, **WINDOW}).json()
        assert series["total"]["requests"] == len(rows)
        assert series["total"]["cost"] == pytest.approx(expected_cost, abs=1e-9)
        assert sum(p["tokens_out"] for p in series["points"]) == expected_out
    months = client.get("/api/usage/series", params={"bucket": "month", **WINDOW}).json()["points"]
    assert [p["start"] for p in months] == ["2026-10-01", "2026-11-01"]
    weeks = client.get("/api/usage/series", params={"bucket": "week", **WINDOW}).json()["points"]
    assert all(date.fromisoformat(p["start"]).weekday() == 0 for p in weeks)

    for by in ("model", "provider", "device", "source"):
        items = client.get("/api/usage/breakdown", params={"by": by, **WINDOW}).json()["items"]
        assert sum(i["requests"] for i in items) == len(rows)
        assert sum(i["cost"] for i in items) == pytest.approx(expected_cost, abs=1e-9)
    sources = {
        i["key"]
        for i in client.get("/api/usage/breakdown", params={"by": "source", **WINDOW}).json()["items"]
    }
    assert "title" in sources  # background title calls are their own category

    exported = client.get("/api/usage/export", params={"format": "csv", **WINDOW})
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(table) == len(rows)
    assert sum(float(r["cost"] or 0) for r in table) == pytest.approx(expected_cost, abs=1e-9)
    as_json = client.get("/api/usage/export", params={"format": "json", **WINDOW}).json()
    assert {r["id"] for r in as_json} == {r["id"] for r in rows}

    assert (
        client.get("/api/usage/series", params={"from": "2026-11-30", "to": "2026-10-01"}).status_code == 422
    )
    assert client.get("/api/usage/breakdown", params={"by": "user"}).status_code == 422
