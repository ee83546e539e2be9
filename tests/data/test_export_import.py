"""Export (JSON tree, Markdown, PDF, a zip of everything) and import (ours, ChatGPT, Claude.ai, Open WebUI)
against the app on loopback, on both database backends."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import httpx
from pypdf import PdfReader

from tests.data.fixtures import chatgpt_conversation, claude_conversation, openwebui_chat
from tests.support.chat import chat_server, client, new_conversation, send, wait_final  # noqa: F401

COMPARED = (
    "role",
    "content",
    "model",
    "provider",
    "params",
    "status",
    "finish_reason",
    "tokens_in",
    "tokens_out",
    "tokens_reasoning",
    "tokens_cached",
    "cost",
    "latency_ms",
    "ttft_ms",
    "created_at",
    "updated_at",
    "reasoning_content",
    "parts",
    "error",
    "error_kind",
)


def _answered(c: httpx.Client, conversation_id: str, text: str, **extra: Any) -> dict[str, Any]:
    turn = send(c, conversation_id, text, **extra)
    wait_final(c, turn["assistant_message"]["id"])
    return turn


def _branched(c: httpx.Client) -> dict[str, Any]:
    """u1 ─ a1 ─ u2 ─ a2, with u2b ─ a2b beside u2 (the shown path)."""
    conversation = new_conversation(c, title="Branches", system_prompt="Be brief.")
    first = _answered(c, conversation["id"], "first question")
    _answered(c, conversation["id"], "left branch question")
    a1 = first["assistant_message"]["id"]
    _answered(c, conversation["id"], "right branch question", parent_id=a1)
    return conversation


def _export(c: httpx.Client, conversation_id: str, fmt: str = "json") -> httpx.Response:
    response = c.get(f"/api/conversations/{conversation_id}/export", params={"format": fmt})
    assert response.status_code == 200, response.text
    return response


def _import(c: httpx.Client, name: str, body: bytes) -> dict[str, Any]:
    response = c.post("/api/import", files={"file": (name, body, "application/octet-stream")})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _shape(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The tree without ids: each message's fields and the position of its parent."""
    index = {m["id"]: i for i, m in enumerate(document["messages"])}
    return [(index.get(m["parent_id"]), *(m[k] for k in COMPARED)) for m in document["messages"]]


def test_json_round_trip_keeps_tree_texts_and_costs(client: httpx.Client) -> None:  # noqa: F811
    conversation = _branched(client)
    original = _export(client, conversation["id"]).json()
    assert original["format"] == "llm-router.conversation"
    assert original["version"] == 1
    assert len(original["messages"]) == 6
    assert sum(m["cost"] or 0 for m in original["messages"]) > 0

    report = _import(client, "branches.json", json.dumps(original).encode())
    assert (report["imported"], report["duplicates"], report["skipped"]) == (1, 0, 0)
    copy = _export(client, report["items"][0]["conversation_id"]).json()
    assert _shape(copy) == _shape(original)
    for field in ("title", "system_prompt", "model", "total_cost", "message_count", "created_at"):
        assert copy["conversation"][field] == original["conversation"][field], field
    leaf = {m["id"]: i for i, m in enumerate(original["messages"])}[
        original["conversation"]["active_leaf_id"]
    ]
    assert copy["messages"][leaf]["id"] == copy["conversation"]["active_leaf_id"]

    again = _import(client, "branches.json", json.dumps(original).encode())
    assert (again["imported"], again["duplicates"]) == (0, 1)
    assert len(client.get("/api/conversations").json()["items"]) == 2


def test_markdown_and_pdf_hold_the_active_path(client: httpx.Client) -> None:  # noqa: F811
    conversation = _branched(client)
    markdown = _export(client, conversation["id"], "md")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "first question" in markdown.text
    assert "right branch question" in markdown.text
    assert "left branch question" not in markdown.text
    pdf = _export(client, conversation["id"], "pdf")
    assert pdf.content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Branches" in text
    assert "first question" in text
    assert "right branch question" in text
    assert "left branch question" not in text
    assert client.get("/api/conversations/0123456789abcdef0123456789abcdef/export").status_code == 404


def test_zip_of_everything_imports_again(client: httpx.Client) -> None:  # noqa: F811
    for title in ("one", "two"):
        conversation = new_conversation(client, title=title)
        _answered(client, conversation["id"], f"hello {title}")
    response = client.get("/api/export")
    assert response.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sum(n.startswith("conversations/") for n in names) == 2
    assert sum(n.endswith(".md") for n in names) == 2
    assert _import(client, "export.zip", response.content)["imported"] == 2
    assert _import(client, "export.zip", response.content)["duplicates"] == 2


def test_chatgpt_branches_become_siblings_once_and_are_searchable(client: httpx.Client) -> None:  # noqa: F811
    body = json.dumps([chatgpt_conversation()]).encode()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:  # the real export is a zip with conversations.json inside
        z.writestr("conversations.json", body)
        z.writestr("user.json", "{}")
    report = _import(client, "chatgpt-export.zip", archive.getvalue())
    assert report["imported"] == 1
    item = report["items"][0]
    assert item["format"] == "chatgpt"
    assert item["messages"] == 4
    assert "left out" in item["reason"]
    view = client.get(f"/api/conversations/{item['conversation_id']}").json()
    assert [m["content"] for m in view["messages"]] == [
        "How do giraffes sleep?",
        "Giraffes nap briefly, often standing.",
    ]
    assert len(view["messages"][0]["sibling_ids"]) == 2  # the edited question beside the original
    assert view["messages"][1]["model"] == "gpt-4o"
    hits = client.get("/api/search", params={"q": "zebras"}).json()["results"]
    assert hits
    assert hits[0]["conversation_id"] == item["conversation_id"]

    assert _import(client, "conversations.json", body)["duplicates"] == 1
    assert len(client.get("/api/conversations").json()["items"]) == 1


def test_claude_and_open_webui_exports(client: httpx.Client) -> None:  # noqa: F811
    body = json.dumps([claude_conversation(), {"unrelated": True}]).encode()
    report = _import(client, "conversations.json", body)
    assert [i["outcome"] for i in report["items"]] == ["imported", "skipped"]
    assert "not a conversation of a known export" in report["items"][1]["reason"]
    view = client.get(f"/api/conversations/{report['items'][0]['conversation_id']}").json()
    assert view["title"] == "Tide tables"
    assert [m["role"] for m in view["messages"]] == ["user", "assistant"]

    report = _import(client, "chat-export.json", json.dumps([openwebui_chat()]).encode())
    assert report["items"][0]["format"] == "openwebui"
    assert report["items"][0]["messages"] == 2


def test_a_broken_file_stores_nothing(client: httpx.Client) -> None:  # noqa: F811
    good = json.dumps([claude_conversation(), chatgpt_conversation()])
    for name, body in (
        ("truncated.json", good[: len(good) - 40].encode()),
        ("notes.txt", b"hello"),
        ("broken.zip", b"PK\x03\x04 not really a zip"),
    ):
        response = client.post("/api/import", files={"file": (name, body, "application/octet-stream")})
        assert response.status_code == 422, response.text
        assert name in response.json()["error"]["message"]
    assert client.get("/api/conversations").json()["items"] == []
