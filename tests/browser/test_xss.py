"""Must-hold 7: hostile model output (also split across stream chunks) runs nothing and leaves no
dangerous element or attribute in the page — checked during streaming, after it, and in search results."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from llm_router.testing.script import Behaviour
from tests.browser.conftest import PHONE, Answers, PageFactory, screenshot
from tests.browser.helpers import assistant, open_drawer_if_phone, send, wait_complete

pytestmark = pytest.mark.browser

CORPUS = [
    "Intro text pwned.\n\n",
    "<scr",
    "ipt>window.__pwned = 'script'</scr",
    "ipt>\n\n",
    "<img src=x one",
    "rror=\"window.__pwned='img'\">\n\n",
    "[click me](javascript:window.__pwned='md-link')\n\n",
    '<a href="java',
    "script:window.__pwned='a-href'\">html link</a>\n\n",
    "<a href=\"  JaVaScRiPt:window.__pwned='mixed-case'\">mixed case</a>\n\n",
    '<svg onload="window.__pwned=\'svg\'"><circle r="5"/></svg>\n\n',
    "<iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe>\n\n",
    "[data link](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX19wd25lZD0nZGF0YSc8L3NjcmlwdD4=)\n\n",
    "![pixel](data:image/svg+xml,<svg onload=window.__pwned='data-img'>)\n\n",
    "<object data=\"javascript:window.__pwned='object'\"></object>",
    "<embed src=\"javascript:window.__pwned='embed'\">\n\n",
    "<form action=\"javascript:window.__pwned='form'\"><button>go</button></form>\n\n",
    '<div style="background:url(javascript:x)" onclick="window.__pwned=\'div\'">styled</div>\n\n',
    "<details open ontoggle=\"window.__pwned='details'\"><summary>s</summary></details>\n\n",
    "<math><mtext><table><mglyph><style><img src=x onerror=\"window.__pwned='mxss'\">",
    "</style></mglyph></table></mtext></math>\n\n",
    '<a href="https://example.org" class="btn msg" target="_self">raw html link</a>\n\n',
    "[a fine link](https://example.org)\n\n",
    "```html\n<script>window.__pwned='code'</script>\n```\n",
]

# Applied to the places that show model or search text (message bodies, snippets).
DANGEROUS = """(roots) => {
  const bad = [];
  for (const root of roots) {
  const tags = 'script, iframe, frame, object, embed, svg, math, form, img, style, link, meta, base, '
    + 'input, button:not(.btn), details';
  for (const el of root.querySelectorAll(tags)) {
    bad.push(el.tagName);
  }
  for (const el of root.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/\\s+/g, '').toLowerCase();
      const handlerOrSource = name.startsWith('on') || ['style', 'srcdoc', 'src'].includes(name);
      if (handlerOrSource) bad.push(`${el.tagName}[${name}]`);
      const url = ['href', 'action', 'data'].includes(name);
      if (url && !/^(https?:|mailto:|#|$)/.test(value)) bad.push(`${el.tagName}[${name}=${value}]`);
    }
  }
  }
  return bad;
}"""

WATCH = """(dangerous) => {
  window.__violations = [];
  const check = new Function('return ' + dangerous)();
  new MutationObserver(() => {
    window.__violations.push(...check(Array.from(document.querySelectorAll('#chat .md'))));
  }).observe(document.body, {subtree: true, childList: true, attributes: true});
}"""


def test_hostile_model_output_runs_nothing_and_leaves_nothing_dangerous(
    pages: PageFactory, answers: Answers
) -> None:
    answers.enqueue(Behaviour(chunks=CORPUS, delay=0.03))
    page = pages.new(PHONE)
    page.evaluate(WATCH, DANGEROUS)
    send(page, "say something nasty")
    message = assistant(page)
    wait_complete(message)
    screenshot(page, "07-xss-phone")

    assert page.evaluate("window.__violations") == []
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#chat .md").evaluate_all(DANGEROUS) == []
    assert page.locator("#chat script, #chat iframe, #chat svg, #chat img, #chat form").count() == 0

    # the text survives as text; links are inert or safe and open in a new tab without an opener
    body = message.locator(".msg-body")
    expect(body).to_contain_text("Intro text")
    expect(body.locator(".codeblock code")).to_contain_text("<script>window.__pwned='code'</script>")
    # raw HTML outside code is shown as the text it is, not interpreted
    expect(body).to_contain_text("<iframe srcdoc=")
    raw_link = '<a href="https://example.org" class="btn msg" target="_self">raw html link</a>'
    expect(body).to_contain_text(raw_link)
    safe = body.locator('a[href="https://example.org"]')
    expect(safe).to_have_attribute("rel", "noopener noreferrer")
    expect(safe).to_have_attribute("target", "_blank")
    assert safe.get_attribute("class") is None  # model output cannot borrow the app's classes
    for link in body.locator("a:not([href])").all():
        link.click()
    assert page.evaluate("typeof window.__pwned") == "undefined"

    # the same text through search snippets
    open_drawer_if_phone(page)
    box = page.get_by_label("search conversations")
    box.fill("pwned")
    box.press("Enter")
    expect(page.locator(".search-results .result").first).to_be_visible()
    assert page.locator("#sidebar .snippet").evaluate_all(DANGEROUS) == []
    assert page.locator("#sidebar script, #sidebar img, #sidebar svg, #sidebar iframe").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
