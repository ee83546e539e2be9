"""Theme and contrast: the app follows prefers-color-scheme until the user picks a theme; every visible
text in both themes has WCAG AA contrast (≥ 4.5:1, computed from the rendered styles: an axe-like check,
since Lighthouse is not installed here); the top bar's icons are inline SVG, not emoji-prone glyphs."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from llm_router.testing.script import Behaviour
from tests.browser.conftest import DESKTOP, PHONE, Answers, PageFactory, screenshot
from tests.browser.helpers import assistant, send, wait_complete

pytestmark = pytest.mark.browser

# Every element with its own visible text: its colour against the first opaque background behind it.
LOW_CONTRAST = """() => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const linear = (v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    const c = [r, g, b].map((v) => linear(v / 255));
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || c[3] > 0.9) return c.slice(0, 3);
    }
    return rgb(getComputedStyle(document.body).backgroundColor).slice(0, 3);
  };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.checkVisibility() || el.closest('[aria-hidden="true"]')) continue;
    const fg = lum(rgb(getComputedStyle(el).color).slice(0, 3));
    const bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const text = el.textContent.trim().slice(0, 20);
    if (ratio < 4.5) bad.push(`${el.tagName}.${el.className} "${text}" ${ratio.toFixed(2)}`);
  }
  return bad;
}"""


def chat_with_an_answer(pages: PageFactory, answers: Answers, viewport: dict[str, int], scheme: str) -> Page:
    chunks = ["Some **bold**, `code` and a [link](https://example.org).\n\n", "> quoted"]
    answers.enqueue(Behaviour(chunks=chunks))
    page = pages.new(viewport)
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    page.reload()
    page.locator(".statusline").wait_for()
    send(page, "hello there")
    wait_complete(assistant(page))
    return page


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_follows_the_system_theme_with_aa_contrast(
    pages: PageFactory, answers: Answers, viewport: dict[str, int], scheme: str
) -> None:
    page = chat_with_an_answer(pages, answers, viewport, scheme)
    expect(page.locator("html")).to_have_attribute("data-theme", scheme)
    assert page.evaluate(LOW_CONTRAST) == []
    # the check itself finds the old comment grey (#565f89 on the dark background is 2.8:1)
    page.evaluate("""() => { const p = document.createElement('p'); p.id = 'probe'; p.textContent = 'probe';
      p.style.cssText = 'color:#565f89;background:#1a1b26'; document.querySelector('#chat').append(p); }""")
    assert len(page.evaluate(LOW_CONTRAST)) == 1
    page.evaluate("() => document.getElementById('probe').remove()")
    assert page.locator(".topbar svg").count() == 3
    # code in Ubuntu Mono at the text's size, like everything else
    code = assistant(page).locator(".msg-body code").first
    assert code.evaluate("(e) => getComputedStyle(e).fontFamily").startswith('"Ubuntu Mono"')
    sizes = code.evaluate("(e) => [getComputedStyle(e).fontSize, getComputedStyle(e.parentElement).fontSize]")
    assert sizes[0] == sizes[1], sizes
    assert page.evaluate("document.fonts.check('17px \"Ubuntu Mono\"')")
    for glyph in "☰◐⚙":
        assert glyph not in page.locator(".topbar").inner_text()
    screenshot(page, f"15-theme-{scheme}-{'phone' if viewport is PHONE else 'desktop'}")


def test_a_picked_theme_wins_over_the_system(pages: PageFactory) -> None:
    page = pages.new(DESKTOP)
    page.emulate_media(color_scheme="dark")
    page.get_by_role("button", name="toggle light/dark theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    page.reload()
    page.locator(".statusline").wait_for()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
