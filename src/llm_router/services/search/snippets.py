"""Snippets for search hits: HTML-escaped text with the matches wrapped in ``<mark>…</mark>``.

Both engines hand over the full text and where the matches are; the cutting and escaping happen here,
once. SQLite's FTS5 ``highlight()`` knows exactly which tokens matched (prefixes, accents folded) and
writes random ``Markers`` around them. PostgreSQL's ``ts_headline`` cannot be used: its parser treats
``<b>``-like text as markup and drops it, and chat messages are full of code; there the matches are found
again with a regular expression over the query's words.
"""

from __future__ import annotations

import html
import re
import secrets
from dataclasses import dataclass

from llm_router.services.search.query import SearchQuery

CONTEXT_BEFORE_CHARS = 60
SNIPPET_CHARS = 200
ELLIPSIS = "…"
_WORD_CHAR = r"[^\W_]"

Span = tuple[int, int]


@dataclass(frozen=True)
class Markers:
    """Match delimiters for the database to write around matches.

    Random per search, so text a user typed cannot pose as a delimiter.
    """

    open: str
    close: str

    @classmethod
    def random(cls) -> Markers:
        nonce = secrets.token_hex(8)
        return cls(open=f"\x02{nonce}\x03", close=f"\x02{nonce}\x04")

    def split(self, marked: str) -> tuple[str, list[Span]]:
        """The text without the markers, and where the marked matches are in it."""
        pieces: list[str] = []
        spans: list[Span] = []
        length = 0
        before, *rest = marked.split(self.open)
        pieces.append(before)
        length += len(before)
        for chunk in rest:
            match, _, after = chunk.partition(self.close)
            spans.append((length, length + len(match)))
            pieces += (match, after)
            length += len(match) + len(after)
        return "".join(pieces), spans


def match_spans(text: str, query: SearchQuery) -> list[Span]:
    """Where any word of the query occurs in ``text`` (a prefix term's last word: as a word start)."""
    alternatives: list[str] = []
    for term in query.terms:
        for index, token in enumerate(term.tokens):
            is_prefix = term.prefix and index == len(term.tokens) - 1
            tail = f"{_WORD_CHAR}*" if is_prefix else f"(?!{_WORD_CHAR})"
            alternatives.append(f"(?<!{_WORD_CHAR}){re.escape(token)}{tail}")
    pattern = re.compile("|".join(alternatives), re.IGNORECASE)
    return [match.span() for match in pattern.finditer(text)]


def render_snippet(text: str, spans: list[Span], *, whole: bool = False) -> str:
    """Up to ``SNIPPET_CHARS`` of ``text`` from shortly before the first match (all of it when
    ``whole``), escaped, with the matches inside the window marked."""
    start, end = (0, len(text)) if whole else _window(text, spans[0] if spans else None)
    pieces = [ELLIPSIS] if start > 0 else []
    position = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        pieces += (
            html.escape(text[position:span_start]),
            f"<mark>{html.escape(text[span_start:span_end])}</mark>",
        )
        position = span_end
    pieces.append(html.escape(text[position:end]))
    if end < len(text):
        pieces.append(ELLIPSIS)
    return "".join(pieces)


def _window(text: str, first: Span | None) -> Span:
    match_start, match_end = first or (0, 0)
    start = max(0, match_start - CONTEXT_BEFORE_CHARS)
    if start > 0:  # begin at a word boundary rather than mid-word
        space = text.find(" ", start, match_start)
        start = space + 1 if space != -1 else start
    end = min(len(text), max(start + SNIPPET_CHARS, match_end))
    if end < len(text):
        space = text.rfind(" ", max(start, match_end), end)
        end = space if space != -1 else end
    return start, end
