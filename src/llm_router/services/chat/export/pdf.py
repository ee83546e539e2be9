"""The active path of a conversation as a PDF, made with fpdf2 (pure Python; no browser in the server).

Prose in Helvetica, fenced code blocks in Courier on the light terminal palette (Tokyo Night Day, as the
web app's light theme). The PDF core fonts cover Latin-1 only: other characters are replaced by their
closest ASCII form or ``?`` (the JSON and Markdown exports keep every character).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from fpdf import FPDF

from llm_router.services.chat.export.document import active_path
from llm_router.services.chat.export.markdown import speaker

# Tokyo Night Day (frontend/src/styles/main.css, [data-theme="light"])
BACKGROUND = (225, 226, 231)  # --bg
CODE_BACKGROUND = (208, 213, 227)  # --bg-dark
FOREGROUND = (55, 96, 191)  # --fg
DIM = (97, 114, 176)  # --fg-dim
USER = (152, 84, 241)  # --magenta
ASSISTANT = (17, 140, 116)  # --teal
CODE = (52, 59, 88)

_FENCE = re.compile(r"^```")
_REPLACEMENTS = str.maketrans(
    {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "→": "->"}
)


def latin1(text: str) -> str:
    """Text the core fonts can draw: typographic punctuation as ASCII, accents kept, the rest ``?``."""
    text = text.translate(_REPLACEMENTS).replace("\t", "    ")
    out = []
    for char in text:
        if ord(char) < 256:
            out.append(char)
        else:
            base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


def _blocks(text: str) -> list[tuple[bool, str]]:
    """(is_code, text) pieces of a message: fenced code blocks apart from prose."""
    blocks: list[tuple[bool, str]] = []
    current: list[str] = []
    in_code = False
    for line in text.splitlines():
        if _FENCE.match(line.strip()):
            if current:
                blocks.append((in_code, "\n".join(current)))
            current, in_code = [], not in_code
            continue
        current.append(line)
    if current:
        blocks.append((in_code, "\n".join(current)))
    return blocks


class _Document(FPDF):
    def header(self) -> None:
        self.set_fill_color(*BACKGROUND)
        self.rect(0, 0, self.w, self.h, style="F")

    def paragraph(self, height: float, text: str, **options: Any) -> None:
        """A block of wrapped text, the next one starting on the left margin below it."""
        self.multi_cell(0, height, latin1(text) or " ", new_x="LMARGIN", new_y="NEXT", **options)


def to_pdf(document: dict[str, Any]) -> bytes:
    conversation = document["conversation"]
    pdf = _Document(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(latin1(conversation["title"] or "Untitled conversation"))
    pdf.set_creator("llm-router")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.set_text_color(*FOREGROUND)
    pdf.paragraph(8, conversation["title"] or "Untitled conversation")
    pdf.set_font("Helvetica", "", 9)
    pdf.set_text_color(*DIM)
    pdf.paragraph(5, f"Exported from llm-router - {conversation['created_at'][:10]}")
    pdf.ln(4)
    for message in active_path(document):
        pdf.set_font("Helvetica", "B", 11)
        pdf.set_text_color(*(USER if message["role"] == "user" else ASSISTANT))
        pdf.paragraph(6, speaker(message))
        for is_code, text in _blocks(message["content"]):
            if is_code:
                pdf.set_font("Courier", "", 9)
                pdf.set_text_color(*CODE)
                pdf.set_fill_color(*CODE_BACKGROUND)
                pdf.paragraph(4.5, text, fill=True, padding=2)
            else:
                pdf.set_font("Helvetica", "", 10)
                pdf.set_text_color(*FOREGROUND)
                pdf.paragraph(5, text)
            pdf.ln(1)
        pdf.ln(3)
    return bytes(pdf.output())
