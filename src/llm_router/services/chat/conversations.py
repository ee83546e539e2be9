"""Conversations: create, list, read (a page of the active path, with siblings), change, delete, switch,
branch, clone.

Every query filters by the owner; another user's ids look exactly like ids that do not exist (404).
Sending and generating live in ``services/turns.py`` and ``services/generation.py``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Row, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from llm_router.core.errors import AppError, NotFound
from llm_router.core.ids import new_id, utcnow
from llm_router.db.engine import Database
from llm_router.db.models import Conversation, Message, User
from llm_router.services.chat.attachments import copy_media
from llm_router.services.chat.tree import Tree, TreeNode, window

RUNNING_STATUSES = ("pending", "streaming")
EDITABLE_FIELDS = frozenset({"title", "model", "temperature", "reasoning", "system_prompt", "memory"})


MessageRow = Row[Any]
"""A ``messages`` row read without the ORM (attribute access like ``Message``; much faster to load)."""


DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


@dataclass(frozen=True, slots=True)
class PathEntry:
    message: Message | MessageRow
    sibling_ids: list[str]


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One page of a conversation's path: the newest ``limit`` messages, or the ``limit`` messages
    just before / just after / around a message (at most one of the three)."""

    limit: int = DEFAULT_PAGE_SIZE
    before: str | None = None
    after: str | None = None
    around: str | None = None

    @property
    def anchor(self) -> str | None:
        return self.before or self.after or self.around


NEWEST_PAGE = PageRequest()


@dataclass(frozen=True, slots=True)
class ConversationView:
    """A conversation and one page (``path``) of the path it shows.

    ``offset`` is the position of ``path[0]`` on the whole path, ``path_length`` the whole path's length
    and ``leaf_id`` its last message: with those the client knows what lies above and below the page.
    """

    conversation: Conversation
    path: list[PathEntry]
    offset: int = 0
    path_length: int = 0
    leaf_id: str | None = None

    @property
    def has_earlier(self) -> bool:
        return self.offset > 0

    @property
    def has_later(self) -> bool:
        return self.offset + len(self.path) < self.path_length


# ---------------------------------------------------------------- loading


async def owned_conversation(session: AsyncSession, owner_id: str, conversation_id: str) -> Conversation:
    conversation = await session.scalar(
        select(Conversation).where(Conversation.id == conversation_id, Conversation.owner_id == owner_id)
    )
    if conversation is None:
        raise NotFound("conversation not found")
    return conversation


async def owned_message(session: AsyncSession, owner_id: str, message_id: str) -> Message:
    message = await session.scalar(
        select(Message).where(Message.id == message_id, Message.owner_id == owner_id)
    )
    if message is None:
        raise NotFound("message not found")
    return message


async def load_messages(session: AsyncSession, conversation_id: str) -> list[Message]:
    """All messages of a conversation, oldest first (the order siblings are shown in)."""
    query = (
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.created_at, Message.id)
    )
    return list((await session.scalars(query)).all())


def tree_of(messages: list[Message]) -> Tree:
    return Tree(TreeNode(m.id, m.parent_id) for m in messages)


async def _load_tree(session: AsyncSession, conversation_id: str) -> Tree:
    # Only (id, parent_id), through Core: the shape of a 10,000-message tree costs a few milliseconds,
    # loading and serializing 10,000 full rows is what made opening a long conversation slow.
    query = (
        select(Message.id, Message.parent_id)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.created_at, Message.id)
    )
    connection = await session.connection()
    return Tree.from_pairs((await connection.execute(query)).all())


def _page_of(tree: Tree, active_leaf_id: str | None, page: PageRequest | None) -> tuple[list[str], int, int]:
    """(the path the page is taken from, start, end) for ``page``; ``None`` means the whole path.

    A cursor message that is no longer on the active path (switched away elsewhere) pages the path
    through it, so a client holding an older page still gets a consistent continuation.
    """
    path = tree.active_path(active_leaf_id)
    if page is None:
        return path, 0, len(path)
    anchor = page.anchor
    if anchor is None:
        bounds = window(len(path), page.limit)
        return path, bounds.start, bounds.end
    if anchor not in tree:
        raise NotFound("message not found in this conversation")
    position = {message_id: index for index, message_id in enumerate(path)}.get(anchor)
    if position is None:
        path = tree.path_through(anchor)
        position = len(tree.path_to(anchor)) - 1
    bounds = window(
        len(path),
        page.limit,
        before=position if page.before else None,
        after=position if page.after else None,
        around=position if page.around else None,
    )
    return path, bounds.start, bounds.end


async def build_view(
    session: AsyncSession, conversation: Conversation, page: PageRequest | None = NEWEST_PAGE
) -> ConversationView:
    """The conversation with one page of its active path (``page=None``: the whole path)."""
    tree = await _load_tree(session, conversation.id)
    path, start, end = _page_of(tree, conversation.active_leaf_id, page)
    ids = path[start:end]
    query = select(Message.__table__)  # plain rows, not ORM objects: no identity map to fill
    if len(ids) <= MAX_PAGE_SIZE:
        query = query.where(Message.id.in_(ids))
    else:  # the whole path (export): one pass over the conversation beats thousands of bound ids
        query = query.where(Message.conversation_id == conversation.id)
    connection = await session.connection()
    rows: dict[str, MessageRow] = {row.id: row for row in (await connection.execute(query)).all()}
    # ``if i in rows``: a message deleted between the two reads (its conversation was deleted) is left out
    entries = [PathEntry(rows[i], tree.siblings(i)) for i in ids if i in rows]
    return ConversationView(conversation, entries, start, len(path), path[-1] if path else None)


async def get_conversation(
    db: Database, owner_id: str, conversation_id: str, page: PageRequest | None = None
) -> ConversationView:
    """The conversation with one page of its active path; without ``page`` the whole path (export)."""
    async with db.read() as session:
        conversation = await owned_conversation(session, owner_id, conversation_id)
        return await build_view(session, conversation, page)


async def check_conversation(db: Database, owner_id: str, conversation_id: str) -> None:
    """404 unless the conversation exists and belongs to the user (reads no messages)."""
    async with db.read() as session:
        await owned_conversation(session, owner_id, conversation_id)


async def get_message(db: Database, owner_id: str, message_id: str) -> Message:
    async with db.read() as session:
        return await owned_message(session, owner_id, message_id)


# ---------------------------------------------------------------- listing


def _encode_cursor(conversation: Conversation) -> str:
    raw = f"{conversation.updated_at.isoformat()}|{conversation.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, conversation_id = raw.partition("|")
        return datetime.fromisoformat(stamp), conversation_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise AppError("invalid cursor: pass the next_cursor of the previous page unchanged") from None


async def list_conversations(
    db: Database, owner_id: str, *, limit: int, cursor: str | None
) -> tuple[list[Conversation], str | None]:
    """A page of conversations, most recently updated first, and the cursor of the next page."""
    query = select(Conversation).where(Conversation.owner_id == owner_id)
    if cursor:
        stamp, last_id = _decode_cursor(cursor)
        query = query.where(tuple_(Conversation.updated_at, Conversation.id) < tuple_(stamp, last_id))
    query = query.order_by(Conversation.updated_at.desc(), Conversation.id.desc()).limit(limit + 1)
    async with db.read() as session:
        rows = list((await session.scalars(query)).all())
    next_cursor = _encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


# ---------------------------------------------------------------- changing


async def create_conversation(
    db: Database, owner_id: str, device_id: str | None, fields: dict[str, Any]
) -> ConversationView:
    conversation = Conversation(id=new_id(), owner_id=owner_id, device_id=device_id, **_editable(fields))
    async with db.write() as session:
        if fields.get("memory") is None:  # a new conversation follows the owner's memory setting
            conversation.memory = bool(
                await session.scalar(select(User.memory_enabled).where(User.id == owner_id))
            )
        session.add(conversation)
    return ConversationView(conversation, [])


def _editable(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise AppError(f"cannot change {', '.join(sorted(unknown))}")
    return {
        k: ("" if k in ("title", "system_prompt") and v is None else v)
        for k, v in fields.items()
        if not (k == "memory" and v is None)  # null: leave the memory switch as it is
    }


async def update_conversation(
    db: Database, owner_id: str, conversation_id: str, fields: dict[str, Any]
) -> ConversationView:
    """Change title, model, temperature, reasoning or system prompt (only the given ones)."""
    async with db.write() as session:
        conversation = await owned_conversation(session, owner_id, conversation_id)
        for name, value in _editable(fields).items():
            setattr(conversation, name, value)
        conversation.updated_at = utcnow()
        return await build_view(session, conversation)


async def set_system_prompt(
    db: Database, owner_id: str, conversation_id: str, text: str, mode: Literal["append", "replace"]
) -> ConversationView:
    """``append`` adds a paragraph (the chat's ``/system`` command); ``replace`` sets the whole prompt."""
    async with db.write() as session:
        conversation = await owned_conversation(session, owner_id, conversation_id)
        current = conversation.system_prompt.rstrip()
        if mode == "append" and current:
            conversation.system_prompt = f"{current}\n\n{text}"
        else:
            conversation.system_prompt = text
        conversation.updated_at = utcnow()
        return await build_view(session, conversation)


async def delete_conversation(db: Database, owner_id: str, conversation_id: str) -> None:
    async with db.write() as session:
        await owned_conversation(session, owner_id, conversation_id)
        await session.execute(delete(Message).where(Message.conversation_id == conversation_id))
        await session.execute(delete(Conversation).where(Conversation.id == conversation_id))


async def switch_branch(
    db: Database,
    owner_id: str,
    conversation_id: str,
    message_id: str,
    limit: int = DEFAULT_PAGE_SIZE,
) -> ConversationView:
    """Show the path through ``message_id``, continuing down its newest children (unless the shown path
    already goes through it). The page answered is the one around that message, so a switch deep in a
    long path keeps the reader where they are."""
    async with db.write() as session:
        conversation = await owned_conversation(session, owner_id, conversation_id)
        tree = await _load_tree(session, conversation_id)
        if message_id not in tree:
            raise NotFound("message not found in this conversation")
        if message_id not in tree.active_path(conversation.active_leaf_id):
            conversation.active_leaf_id = tree.newest_leaf_below(message_id)
        # else the shown path already goes through it (a search hit): nothing to switch
        return await build_view(session, conversation, PageRequest(limit=limit, around=message_id))


# ---------------------------------------------------------------- copying


_COPIED_COLUMNS = [
    c.key for c in Message.__table__.columns if c.key not in ("id", "conversation_id", "parent_id")
]


def _copy_messages(source: list[Message], ids: list[str], conversation_id: str) -> dict[str, Message]:
    """Copies of the messages ``ids`` (parents first) under new ids; running ones become interrupted."""
    by_id = {m.id: m for m in source}
    copies: dict[str, Message] = {}
    for old_id in ids:
        original = by_id[old_id]
        copy = Message(
            id=new_id(),
            conversation_id=conversation_id,
            **{key: getattr(original, key) for key in _COPIED_COLUMNS},
        )
        copy.parent_id = copies[original.parent_id].id if original.parent_id else None
        if copy.status in RUNNING_STATUSES:
            copy.status = "interrupted"  # its job belongs to the original message
        copies[old_id] = copy
    return copies


def _new_conversation_from(source: Conversation, **extra: Any) -> Conversation:
    return Conversation(
        id=new_id(),
        owner_id=source.owner_id,
        title=source.title,
        model=source.model,
        temperature=source.temperature,
        reasoning=source.reasoning,
        system_prompt=source.system_prompt,
        memory=source.memory,  # a branch or clone keeps the memory switch
        parent_conversation_id=source.id,
        **extra,
    )


async def _store_copy(
    session: AsyncSession, target: Conversation, copies: dict[str, Message], leaf: str | None
) -> ConversationView:
    target.active_leaf_id = copies[leaf].id if leaf in copies else None
    target.message_count = len(copies)
    target.total_cost = sum(m.cost or 0.0 for m in copies.values())
    session.add(target)
    await session.flush()  # the conversation row first: messages reference it
    await copy_media(session, target.parent_conversation_id or "", copies.values())
    session.add_all(copies.values())
    await session.flush()
    return await build_view(session, target)


async def clone_conversation(
    db: Database, owner_id: str, conversation_id: str, device_id: str | None
) -> ConversationView:
    """A new conversation holding a copy of the whole tree, on the same active path."""
    async with db.write() as session:
        source = await owned_conversation(session, owner_id, conversation_id)
        messages = await load_messages(session, conversation_id)
        tree = tree_of(messages)
        order = [i for root in tree.children.get(None, []) for i in tree.subtree(root)]
        target = _new_conversation_from(source, device_id=device_id)
        copies = _copy_messages(messages, order, target.id)
        leaf = source.active_leaf_id if source.active_leaf_id in tree else tree.newest_leaf_below(None)
        return await _store_copy(session, target, copies, leaf)


async def branch_conversation(
    db: Database, owner_id: str, message_id: str, device_id: str | None
) -> ConversationView:
    """A new conversation holding the path root → ``message_id``, remembering where it came from."""
    async with db.write() as session:
        message = await owned_message(session, owner_id, message_id)
        source = await owned_conversation(session, owner_id, message.conversation_id)
        messages = await load_messages(session, source.id)
        path = tree_of(messages).path_to(message_id)
        target = _new_conversation_from(source, device_id=device_id, branch_message_id=message_id)
        copies = _copy_messages(messages, path, target.id)
        return await _store_copy(session, target, copies, message_id)
