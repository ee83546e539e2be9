"""The usage dashboard renders its charts from a seeded database at phone and desktop sizes; the request
log pages and filters; the CSV it links adds up to the API's totals."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, PageFactory, screenshot
from tests.data.seed_usage import seed_usage, usage_rows

pytestmark = pytest.mark.browser


@pytest.fixture
def seeded(database_url: str) -> None:
    seed_usage(database_url, usage_rows(400, days=25))


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_dashboard_charts_log_and_csv(seeded: None, pages: PageFactory, viewport: dict[str, int]) -> None:
    page = pages.new(viewport)
    page.get_by_role("button", name="settings").click()
    page.get_by_role("dialog", name="settings").get_by_role("button", name="usage").click()
    dashboard = page.get_by_role("dialog", name="usage")
    expect(dashboard.get_by_role("img", name="cost per day")).to_be_visible()
    assert dashboard.locator("svg.chart").first.locator("rect.chart-bar").count() >= 20
    expect(dashboard.locator(".dash-summary")).to_contain_text("400 requests")
    expect(dashboard.locator(".dash-table tr")).to_have_count(5)  # header + 4 models
    expect(dashboard.locator(".dash-log li")).to_have_count(20)
    screenshot(page, f"dashboard-{'phone' if viewport is PHONE else 'desktop'}")

    dashboard.get_by_role("button", name="more").click()
    expect(dashboard.locator(".dash-log li")).to_have_count(40)
    dashboard.get_by_label("filter by source").select_option("title")
    expect(dashboard.locator(".dash-log li").first).to_contain_text("· title ·")

    dashboard.get_by_label("bucket").select_option("week")
    expect(dashboard.get_by_role("img", name="cost per week")).to_be_visible()

    href = dashboard.get_by_role("link", name="export csv").get_attribute("href")
    table = list(csv.DictReader(io.StringIO(page.evaluate(f"fetch('{href}').then(r => r.text())"))))
    total = page.evaluate(
        f"fetch('{href.replace('export?format=csv', 'series?bucket=day')}').then(r => r.json())"
    )
    assert len(table) == total["total"]["requests"] == 400
    assert sum(float(r["cost"] or 0) for r in table) == pytest.approx(total["total"]["cost"], abs=1e-9)
