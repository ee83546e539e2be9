"""Pure tree logic over (id, parent_id) pairs: active path, siblings, newest leaf, pages of a path.
No database here.

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
        self._add((node.id, node.parent_id) for node in nodes)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str | None]]) -> Tree:
        """The same from plain ``(id, parent_id)`` pairs (database rows), without a node per message."""
        tree = cls(())
        tree._add(pairs)
        return tree

    def _add(self, pairs: Iterable[tuple[str, str | None]]) -> None:
        parent, children = self.parent, self.children
        for message_id, parent_id in pairs:
            parent[message_id] = parent_id
            siblings = children.get(parent_id)
            if siblings is None:
                children[parent_id] = [message_id]
            else:
                siblings.append(message_id)

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

    def path_through(self, message_id: str) -> list[str]:
        """The path root → ``message_id`` → down its newest children (what switching to it shows)."""
        return self.path_to(self.newest_leaf_below(message_id))

    def subtree(self, message_id: str) -> list[str]:
        """The message and all its descendants (parents before children)."""
        found: list[str] = []
        stack = [message_id]
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(reversed(self.children.get(current, [])))
        return found


@dataclass(frozen=True, slots=True)
class PathWindow:
    """Which slice ``[start, end)`` of a path one page shows."""

    start: int
    end: int


def window(
    length: int, limit: int, *, before: int | None = None, after: int | None = None, around: int | None = None
) -> PathWindow:
    """The slice of a path of ``length`` entries that a page of at most ``limit`` shows.

    Positions are indexes into the path. ``before``: the ``limit`` entries just above that position;
    ``after``: the ``limit`` entries just below it; ``around``: a slice holding it near the middle
    (shifted to stay inside the path, so a position near either end still gets a full page); none of
    them: the newest ``limit`` entries.
    """
    if before is not None:
        return PathWindow(max(0, before - limit), before)
    if after is not None:
        return PathWindow(after + 1, min(length, after + 1 + limit))
    if around is not None:
        start = max(0, min(around - limit // 2, length - limit))
        return PathWindow(start, min(length, start + limit))
    return PathWindow(max(0, length - limit), length)
