"""Conversations and durable generation.

- ``conversations`` (create, list, page, branch, clone, delete) over ``tree`` (the message tree).
- ``turn_input`` (what a turn asks for) → ``turns`` (one transaction stores it) → ``manager``
  (``GenerationManager.start(turn)``) → ``job`` (one answer streamed into its message, whatever its
  watchers do) → ``live`` (in-memory buffer, Redis relay) → ``watch`` (SSE with exact resume), counted
  by ``presence`` (an answer that ends with nobody watching is announced by the manager's ``notify``).
- ``titles``: the first-words title, then a cheap model's.
- ``window``: a turn's history fitted to the model's context window (trimmed or refused, as set).
- ``export/``: a conversation out (versioned JSON tree, Markdown, PDF, a zip of all) and exports of ours,
  ChatGPT, Claude.ai and Open WebUI in (streamed, idempotent); see its ``__init__``.

A new kind of turn: a ``TurnKind`` in ``turn_input`` and its storing function in ``turns``.
"""

from llm_router.services.chat.manager import GenerationManager
from llm_router.services.chat.turn_input import ModelChoice, TurnInput, TurnPlanner
from llm_router.services.chat.turns import Turn
from llm_router.services.chat.watch import MessageWatch, StreamItem

__all__ = [
    "GenerationManager",
    "MessageWatch",
    "ModelChoice",
    "StreamItem",
    "Turn",
    "TurnInput",
    "TurnPlanner",
]
