"""The pure parts: tree walking and the SSE resume cursor (no database, no server)."""

from __future__ import annotations

from llm_router.services.chat.tree import Tree, TreeNode
from llm_router.services.chat.watch import _Cursor, parse_last_event_id

#   u1 ─ a1 ─ u2 ─ a2
#      └ a1b        (regenerated)
#   u1b ─ a3        (an edited first message)
NODES = [
    TreeNode("u1", None),
    TreeNode("a1", "u1"),
    TreeNode("u2", "a1"),
    TreeNode("a2", "u2"),
    TreeNode("a1b", "u1"),
    TreeNode("u1b", None),
    TreeNode("a3", "u1b"),
]


def test_paths_siblings_and_newest_leaves() -> None:
    tree = Tree(NODES)
    assert tree.path_to("a2") == ["u1", "a1", "u2", "a2"]
    assert tree.siblings("a1b") == ["a1", "a1b"]
    assert tree.siblings("u1") == ["u1", "u1b"]
    assert tree.newest_leaf_below("u1") == "a1b"
    assert tree.newest_leaf_below("a1") == "a2"
    assert tree.newest_leaf_below(None) == "a3"
    assert tree.subtree("u1") == ["u1", "a1", "u2", "a2", "a1b"]


def test_active_path_falls_back_to_the_newest_branch() -> None:
    tree = Tree(NODES)
    assert tree.active_path("a1b") == ["u1", "a1b"]
    assert tree.active_path(None) == ["u1b", "a3"]
    assert tree.active_path("deleted") == ["u1b", "a3"]
    assert Tree([]).active_path(None) == []


def test_last_event_id_parsing() -> None:
    assert parse_last_event_id("120:40") == (120, 40)
    assert parse_last_event_id(" 3:0 ") == (3, 0)
    for bad in (None, "", "x", "1:", "-1:2", "1:2:3", "9" * 20 + ":0"):
        assert parse_last_event_id(bad) == (0, 0)


def test_cursor_sends_only_what_lies_beyond_the_offsets() -> None:
    cursor = _Cursor((5, 0))
    assert cursor.catch_up("Hel", "") == []  # the client is ahead of this source: nothing repeated
    items = cursor.catch_up("Hello world", "why")
    assert [(i.event, i.text, i.event_id) for i in items] == [
        ("reasoning", "why", "5:3"),
        ("delta", " world", "11:3"),
    ]
    assert cursor.catch_up("Hello world", "why") == []
