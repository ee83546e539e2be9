"""One parser per import format, each turning one exported conversation (a JSON object) into an
``ImportedConversation``, or raising ``SkipItem`` with the reason the report shows.

- ``llm-router``: our own document (``docs/export-format.md``): every field, every branch.
- ``chatgpt``: an item of ChatGPT's ``conversations.json``: a ``mapping`` of nodes with ``parent`` and
  ``children``; nodes without visible text (the hidden system root, tool calls) are left out and their
  children hang from the nearest kept ancestor, so branches stay siblings; ``current_node`` is the path shown.
- ``claude``: an item of Claude.ai's ``conversations.json``: ``chat_messages`` with ``sender``, linked by
  ``parent_message_uuid`` when the export has it, else one after another.
- ``openwebui``: an Open WebUI chat export: ``chat.history.messages`` linked by ``parentId``, ``currentId``
  the path shown (or the flat ``chat.messages`` list of older versions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from llm_router.services.chat.export.document import FORMAT, MESSAGE_FIELDS

ROLES = ("system", "user", "assistant")
RUNNING = ("pending", "streaming")
CONVERSATION_FIELDS = ("model", "temperature", "reasoning", "system_prompt")
_COPIED = tuple(f for f in MESSAGE_FIELDS if f not in ("id", "parent_id", "role", "content", "created_at"))
_CLAUDE_ROOT = "00000000-0000-4000-8000-000000000000"


class SkipItem(Exception):
    """This item cannot be imported; the message says why (shown in the report)."""


@dataclass(slots=True)
class ImportedMessage:
    key: str
    parent_key: str | None
    role: str
    content: str
    created_at: datetime
    extra: dict[str, Any] = field(default_factory=dict)  # further ``messages`` columns (ours)


@dataclass(slots=True)
class ImportedConversation:
    source_id: str
    title: str
    created_at: datetime
    updated_at: datetime
    messages: list[ImportedMessage]
    active_leaf_key: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # model, temperature, reasoning, system_prompt
    notes: list[str] = field(default_factory=list)
    media: list[dict[str, Any]] = field(default_factory=list)  # ours: the files its messages name by id


# ---------------------------------------------------------------- helpers


def _time(value: Any, fallback: datetime) -> datetime:
    """Epoch seconds (or milliseconds) or ISO 8601, as an aware UTC datetime; ``fallback`` when absent."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds = value / 1000 if value > 1e11 else value
            return datetime.fromtimestamp(seconds, UTC)
        if isinstance(value, str) and value:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        pass
    return fallback


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _require_dict(item: Any, key: str) -> dict[str, Any]:
    value = item.get(key)
    if not isinstance(value, dict):
        raise SkipItem(f"'{key}' is missing or not an object")
    return value


def _parents_first(messages: list[ImportedMessage]) -> list[ImportedMessage]:
    """Parents before children (a child whose parent is missing becomes a root); order kept otherwise."""
    keys = {m.key for m in messages}
    children: dict[str | None, list[ImportedMessage]] = {}
    for message in messages:
        if message.parent_key not in keys:
            message.parent_key = None
        children.setdefault(message.parent_key, []).append(message)
    ordered: list[ImportedMessage] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        message = stack.pop()
        ordered.append(message)
        stack.extend(reversed(children.get(message.key, [])))
    if len(ordered) != len(messages):
        raise SkipItem("its messages form a cycle")
    return ordered


def _finish(conversation: ImportedConversation) -> ImportedConversation:
    if not conversation.messages:
        raise SkipItem("it has no messages with text")
    conversation.messages = _parents_first(conversation.messages)
    conversation.title = conversation.title.strip()[:200]
    return conversation


# ---------------------------------------------------------------- formats


def parse_ours(item: dict[str, Any]) -> ImportedConversation:
    if item.get("version") != 1:
        raise SkipItem(f"unsupported {FORMAT} version {item.get('version')!r} (this server reads 1)")
    conv = _require_dict(item, "conversation")
    now = datetime.now(UTC)
    created = _time(conv.get("created_at"), now)
    messages = []
    for raw in item.get("messages") or []:
        if not isinstance(raw, dict) or raw.get("role") not in ROLES or not isinstance(raw.get("id"), str):
            raise SkipItem("a message lacks an id or a valid role")
        extra = {name: raw[name] for name in _COPIED if name in raw}
        if extra.get("status") in RUNNING:
            extra["status"] = "interrupted"  # its job stayed on the server it came from
        extra["updated_at"] = _time(raw.get("updated_at"), created)
        messages.append(
            ImportedMessage(
                raw["id"],
                raw.get("parent_id"),
                raw["role"],
                _text(raw.get("content")),
                _time(raw.get("created_at"), created),
                extra,
            )
        )
    return _finish(
        ImportedConversation(
            source_id=f"llm-router:{conv.get('id')}",
            title=_text(conv.get("title")),
            created_at=created,
            updated_at=_time(conv.get("updated_at"), created),
            messages=messages,
            active_leaf_key=conv.get("active_leaf_id"),
            fields={k: conv[k] for k in CONVERSATION_FIELDS if conv.get(k) is not None},
            media=[
                m for m in item.get("media") or [] if isinstance(m, dict) and isinstance(m.get("id"), str)
            ],
        )
    )


def _chatgpt_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if not isinstance(content, dict) or content.get("content_type") not in ("text", "multimodal_text"):
        return ""
    parts = content.get("parts") or []
    return "\n".join(p for p in parts if isinstance(p, str)).strip()


def parse_chatgpt(item: dict[str, Any]) -> ImportedConversation:
    mapping = _require_dict(item, "mapping")
    created = _time(item.get("create_time"), datetime.now(UTC))
    kept: dict[str, ImportedMessage] = {}
    left_out = 0
    for node_id, node in mapping.items():
        message = node.get("message") if isinstance(node, dict) else None
        role = (message or {}).get("author", {}).get("role") if isinstance(message, dict) else None
        text = _chatgpt_text(message) if isinstance(message, dict) else ""
        if role not in ("user", "assistant") or not text:
            left_out += message is not None and role != "system"
            continue
        assert isinstance(message, dict)
        metadata = message.get("metadata") if isinstance(message.get("metadata"), dict) else {}
        extra = {"model": metadata.get("model_slug")} if role == "assistant" and metadata else {}
        kept[node_id] = ImportedMessage(
            node_id, None, role, text, _time(message.get("create_time"), created), extra
        )

    def kept_ancestor(node_id: str | None) -> str | None:
        seen = 0
        while node_id is not None and node_id not in kept and seen <= len(mapping):
            node = mapping.get(node_id)
            node_id = node.get("parent") if isinstance(node, dict) else None
            seen += 1
        return node_id if node_id in kept else None

    for node_id, message in kept.items():
        node = mapping[node_id]
        message.parent_key = kept_ancestor(node.get("parent"))
    conversation = ImportedConversation(
        source_id=f"chatgpt:{item.get('conversation_id') or item.get('id')}",
        title=_text(item.get("title")),
        created_at=created,
        updated_at=_time(item.get("update_time"), created),
        messages=list(kept.values()),
        active_leaf_key=kept_ancestor(item.get("current_node")),
    )
    if left_out:
        conversation.notes.append(f"{left_out} message(s) without text (tools, files) left out")
    return _finish(conversation)


def _claude_text(message: dict[str, Any]) -> str:
    text = _text(message.get("text"))
    if text:
        return text
    blocks = message.get("content") or []
    return "\n".join(_text(b.get("text")) for b in blocks if isinstance(b, dict) and b.get("type") == "text")


def parse_claude(item: dict[str, Any]) -> ImportedConversation:
    created = _time(item.get("created_at"), datetime.now(UTC))
    raw_messages = item.get("chat_messages")
    if not isinstance(raw_messages, list):
        raise SkipItem("'chat_messages' is not a list")
    messages: list[ImportedMessage] = []
    previous: str | None = None
    for index, raw in enumerate(raw_messages):
        if not isinstance(raw, dict) or raw.get("sender") not in ("human", "assistant"):
            continue
        key = str(raw.get("uuid") or f"#{index}")
        parent = raw.get("parent_message_uuid", previous)
        role = "user" if raw["sender"] == "human" else "assistant"
        at = _time(raw.get("created_at"), created + timedelta(microseconds=index))
        messages.append(
            ImportedMessage(key, None if parent == _CLAUDE_ROOT else parent, role, _claude_text(raw), at)
        )
        previous = key
    return _finish(
        ImportedConversation(
            source_id=f"claude:{item.get('uuid')}",
            title=_text(item.get("name")),
            created_at=created,
            updated_at=_time(item.get("updated_at"), created),
            messages=[m for m in messages if m.content],
            active_leaf_key=previous,
        )
    )


def parse_openwebui(item: dict[str, Any]) -> ImportedConversation:
    chat = _require_dict(item, "chat")
    created = _time(item.get("created_at") or chat.get("timestamp"), datetime.now(UTC))
    found = chat.get("history")
    history: dict[str, Any] = found if isinstance(found, dict) else {}
    raw_messages: list[Any] = list((history.get("messages") or {}).values()) or list(
        chat.get("messages") or []
    )
    messages: list[ImportedMessage] = []
    previous: str | None = None
    for index, raw in enumerate(raw_messages):
        if not isinstance(raw, dict) or raw.get("role") not in ("user", "assistant"):
            continue
        key = str(raw.get("id") or f"#{index}")
        parent = raw.get("parentId", previous) if history else previous
        at = _time(raw.get("timestamp"), created + timedelta(microseconds=index))
        extra = {"model": raw["model"]} if isinstance(raw.get("model"), str) else {}
        messages.append(ImportedMessage(key, parent, raw["role"], _text(raw.get("content")), at, extra))
        previous = key
    return _finish(
        ImportedConversation(
            source_id=f"openwebui:{item.get('id') or chat.get('id')}",
            title=_text(item.get("title") or chat.get("title")),
            created_at=created,
            updated_at=_time(item.get("updated_at"), created),
            messages=[m for m in messages if m.content],
            active_leaf_key=history.get("currentId") or previous,
        )
    )


Parser = Callable[[dict[str, Any]], ImportedConversation]
PARSERS: dict[str, Parser] = {
    "llm-router": parse_ours,
    "chatgpt": parse_chatgpt,
    "claude": parse_claude,
    "openwebui": parse_openwebui,
}


def detect(item: Any) -> str:
    """The format of one exported conversation, from the keys only that format has."""
    if not isinstance(item, dict):
        raise SkipItem("not a JSON object")
    if item.get("format") == FORMAT:
        return "llm-router"
    if "mapping" in item:
        return "chatgpt"
    if "chat_messages" in item:
        return "claude"
    if isinstance(item.get("chat"), dict):
        return "openwebui"
    raise SkipItem("not a conversation of a known export (llm-router, ChatGPT, Claude.ai, Open WebUI)")


def parse_item(item: Any) -> tuple[str, ImportedConversation]:
    kind = detect(item)
    return kind, PARSERS[kind](item)
