"""Settings → your data: import a ChatGPT export and see its report; `/export md` downloads the shown path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, PageFactory, screenshot
from tests.data.fixtures import chatgpt_conversation

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_import_then_export_from_the_web_app(
    pages: PageFactory, viewport: dict[str, int], tmp_path: Path
) -> None:
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps([chatgpt_conversation(), {"not": "a conversation"}]))
    page = pages.new(viewport)
    page.get_by_role("button", name="settings").click()
    panel = page.get_by_role("dialog", name="settings")
    panel.get_by_label("export file to import").set_input_files(str(export))
    panel.get_by_role("button", name="import", exact=True).click()
    status = panel.locator(".data-section .form-note")
    expect(status).to_have_text("imported 1 · already there 0 · skipped 1")
    expect(panel.locator(".import-report li").first).to_contain_text("imported · Animal sleep · 4 messages")
    expect(panel.locator(".import-report li").last).to_contain_text("not a conversation of a known export")
    panel.locator(".import-report").scroll_into_view_if_needed()
    screenshot(page, f"settings-import-{'phone' if viewport is PHONE else 'desktop'}")

    listed = "fetch('/api/conversations').then(r => r.json()).then(p => p.items[0].id)"
    conversation_id = page.evaluate(listed)
    page.goto(f"/#/c/{conversation_id}")
    page.reload()
    expect(page.locator("article.msg-assistant").last).to_contain_text("Giraffes nap briefly")
    prompt = page.get_by_label("message", exact=True)
    prompt.fill("/export md")
    with page.expect_download() as download:
        prompt.press("Enter")
    saved = Path(download.value.path()).read_text()
    assert "How do giraffes sleep?" in saved
    assert "zebras" not in saved  # the other branch is in the JSON export, not the shown path
