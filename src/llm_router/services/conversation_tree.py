"""Pure tree logic over (id, parent_id) pairs: active path, siblings, newest leaf. No database here.

A conversation is a tree of messages; siblings (same parent) are edits or regenerations, ordered oldest
first. The UI shows one path, from the root to ``active_leaf_id``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TreeNode:
    id: str
    parent_id: str | None


class Tree:
    """The shape of one conversation, built from its nodes in creation order (oldest first)."""

    def __init__(self, nodes: Iterable[TreeNode]) -> None:
        self.parent: dict[str, str | None] = {}
        self.children: dict[str | None, list[str]] = {}
        for node in nodes:
            self.parent[node.id] = node.parent_id
            self.children.setdefault(node.parent_id, []).append(node.id)

    def __contains__(self, message_id: object) -> bool:
        return message_id in self.parent

    def path_to(self, message_id: str | None) -> list[str]:
        """Ids from the root down to ``message_id`` (inclusive); empty for ``None`` or an unknown id."""
        path: list[str] = []
        current = message_id
        while current is not None and current in self.parent:
            path.append(current)
            current = self.parent[current]
        path.reverse()
        return path

    def newest_leaf_below(self, message_id: str | None) -> str | None:
        """Walk down from ``message_id`` (or the roots) always taking the newest child."""
        current = message_id
        while self.children.get(current):
            current = self.children[current][-1]
        return current

    def siblings(self, message_id: str) -> list[str]:
        """All children of this message's parent, oldest first, itself included."""
        return list(self.children.get(self.parent.get(message_id), [message_id]))

    def active_path(self, active_leaf_id: str | None) -> list[str]:
        """The shown path; a missing or unknown leaf falls back to the newest branch."""
        leaf = active_leaf_id if active_leaf_id in self.parent else self.newest_leaf_below(None)
        return self.path_to(leaf)

    def subtree(self, message_id: str) -> list[str]:
        """The message and all its descendants (parents before children)."""
        found: list[str] = []
        stack = [message_id]
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(reversed(self.children.get(current, [])))
        return found
