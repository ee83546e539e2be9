"""Exports of other apps built from their documented formats (small, but with the shapes that matter)."""

from __future__ import annotations

from typing import Any


def _node(
    node_id: str, parent: str | None, children: list[str], role: str | None, text: str, at: float
) -> dict[str, Any]:
    message = None
    if role is not None:
        message = {
            "id": node_id,
            "author": {"role": role, "name": None, "metadata": {}},
            "create_time": at,
            "update_time": None,
            "content": {"content_type": "text", "parts": [text]},
            "status": "finished_successfully",
            "end_turn": True if role == "assistant" else None,
            "weight": 1.0,
            "metadata": {"model_slug": "gpt-4o"} if role == "assistant" else {},
            "recipient": "all",
        }
    return {"id": node_id, "message": message, "parent": parent, "children": children}


def chatgpt_conversation() -> dict[str, Any]:
    """ChatGPT's ``conversations.json`` item: a hidden system root, then a user message edited once, so the
    two user messages are siblings, each answered. ``current_node`` shows the edited branch."""
    t = 1_733_000_000.0
    mapping = {
        "root": _node("root", None, ["sys"], None, "", t),
        "sys": _node("sys", "root", ["u1", "u1b"], "system", "", t),
        "u1": _node("u1", "sys", ["a1"], "user", "How do zebras sleep?", t + 1),
        "a1": _node("a1", "u1", [], "assistant", "Zebras sleep standing up.", t + 2),
        "u1b": _node("u1b", "sys", ["a1b"], "user", "How do giraffes sleep?", t + 3),
        "a1b": _node("a1b", "u1b", ["tool"], "assistant", "Giraffes nap briefly, often standing.", t + 4),
        "tool": _node("tool", "a1b", [], "tool", "", t + 5),
    }
    mapping["tool"]["message"]["content"] = {"content_type": "execution_output", "text": "ok"}
    return {
        "title": "Animal sleep",
        "create_time": t,
        "update_time": t + 5,
        "mapping": mapping,
        "moderation_results": [],
        "current_node": "tool",
        "plugin_ids": None,
        "conversation_id": "6752c1a0-0000-8000-9000-aaaaaaaaaaaa",
        "conversation_template_id": None,
        "id": "6752c1a0-0000-8000-9000-aaaaaaaaaaaa",
    }


def claude_conversation() -> dict[str, Any]:
    return {
        "uuid": "1b7a7f3c-1111-4222-8333-444455556666",
        "name": "Tide tables",
        "created_at": "2024-11-02T10:00:00.000000Z",
        "updated_at": "2024-11-02T10:05:00.000000Z",
        "account": {"uuid": "acc"},
        "chat_messages": [
            {
                "uuid": "m1",
                "text": "Why are there two tides a day?",
                "content": [{"type": "text", "text": "Why are there two tides a day?"}],
                "sender": "human",
                "created_at": "2024-11-02T10:00:00.000000Z",
                "updated_at": "2024-11-02T10:00:00.000000Z",
                "attachments": [],
                "files": [],
            },
            {
                "uuid": "m2",
                "text": "The Moon's pull bulges the oceans on both sides of the Earth.",
                "content": [
                    {"type": "text", "text": "The Moon's pull bulges the oceans on both sides of the Earth."}
                ],
                "sender": "assistant",
                "created_at": "2024-11-02T10:00:05.000000Z",
                "updated_at": "2024-11-02T10:00:05.000000Z",
                "attachments": [],
                "files": [],
            },
        ],
    }


def openwebui_chat() -> dict[str, Any]:
    messages = {
        "w1": {
            "id": "w1",
            "parentId": None,
            "childrenIds": ["w2"],
            "role": "user",
            "content": "Name a prime above 100",
            "timestamp": 1730000000,
            "models": ["llama3"],
        },
        "w2": {
            "id": "w2",
            "parentId": "w1",
            "childrenIds": [],
            "role": "assistant",
            "content": "101 is prime.",
            "timestamp": 1730000003,
            "model": "llama3",
        },
    }
    return {
        "id": "owui-chat-1",
        "user_id": "u",
        "title": "Primes",
        "chat": {
            "id": "",
            "title": "Primes",
            "models": ["llama3"],
            "history": {"messages": messages, "currentId": "w2"},
            "messages": list(messages.values()),
            "timestamp": 1730000000000,
        },
        "updated_at": 1730000010,
        "created_at": 1730000000,
        "share_id": None,
        "archived": False,
    }
