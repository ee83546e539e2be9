"""The active path of a conversation as Markdown: a title, then each message under its speaker."""

from __future__ import annotations

from typing import Any

from llm_router.services.chat.export.document import active_path

SPEAKERS = {"user": "You", "assistant": "Assistant", "system": "System"}


def speaker(message: dict[str, Any]) -> str:
    name = SPEAKERS.get(message["role"], message["role"])
    if message["role"] == "assistant" and message.get("model"):
        return f"{name} · {message['model']}"
    return str(name)


def to_markdown(document: dict[str, Any]) -> str:
    conversation = document["conversation"]
    lines = [f"# {conversation['title'] or 'Untitled conversation'}", ""]
    lines.append(f"_Exported from llm-router · {conversation['created_at'][:10]}_")
    lines.append("")
    if conversation.get("system_prompt"):
        lines += ["> **System:** " + conversation["system_prompt"].replace("\n", "\n> "), ""]
    for message in active_path(document):
        lines += [f"## {speaker(message)}", "", message["content"].rstrip(), ""]
    return "\n".join(lines).rstrip() + "\n"
