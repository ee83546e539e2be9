"""Opening a long conversation a page at a time: the newest page, ``before`` / ``after`` / ``around``
cursors, limits, sibling ids on every page, ownership, switching deep in the path and a page that ends
with an answer still streaming. On SQLite and PostgreSQL, through the real HTTP server."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from llm_router.core.ids import new_id
from llm_router.db.engine import Database
from llm_router.db.models import OWNER_USER_ID
from llm_router.services.chat.conversations import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, get_conversation
from llm_router.services.chat.tree import window
from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.support.chat import MODEL, chat_server, client, send, wait_final, wait_until
from tests.support.long_conversations import SeededConversation, insert_user, seed_conversation

__all__ = ["chat_server", "client"]


def _open(client: httpx.Client, cid: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/conversations/{cid}", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _ids(page: dict[str, Any]) -> list[str]:
    return [m["id"] for m in page["messages"]]


def _assert_siblings(page: dict[str, Any], seeded: SeededConversation) -> None:
    for message in page["messages"]:
        expected = seeded.siblings.get(message["id"], [message["id"]])
        assert message["sibling_ids"] == expected
        assert message["sibling_index"] == expected.index(message["id"])


def test_window_arithmetic() -> None:
    newest = window(10, 4)
    assert (newest.start, newest.end) == (6, 10)
    assert (window(3, 4).start, window(3, 4).end) == (0, 3)
    before = window(10, 4, before=2)
    assert (before.start, before.end) == (0, 2)
    after = window(10, 4, after=7)
    assert (after.start, after.end) == (8, 10)
    middle = window(100, 10, around=50)
    assert (middle.start, middle.end) == (45, 55)
    near_top, near_end = window(100, 10, around=1), window(100, 10, around=98)
    assert (near_top.start, near_top.end, near_end.start, near_end.end) == (0, 10, 90, 100)


@pytest.fixture
def long_conversation(chat_server: Any, database_url: str) -> SeededConversation:
    return seed_conversation(database_url, 1000, branch_every=40)


def test_opens_with_the_newest_page(client: httpx.Client, long_conversation: SeededConversation) -> None:
    seeded = long_conversation
    page = _open(client, seeded.id)
    assert _ids(page) == seeded.path[-DEFAULT_PAGE_SIZE:]
    assert page["path_length"] == len(seeded.path) == 1000
    assert page["path_offset"] == 1000 - DEFAULT_PAGE_SIZE
    assert (page["has_earlier"], page["has_later"]) == (True, False)
    assert page["active_leaf_id"] == seeded.path[-1]
    assert page["message_count"] == 1000 + 2 * 25  # the alternatives are stored, just not on the path
    _assert_siblings(page, seeded)

    small = _open(client, seeded.id, limit=7)
    assert _ids(small) == seeded.path[-7:]
    biggest = _open(client, seeded.id, limit=MAX_PAGE_SIZE)
    assert _ids(biggest) == seeded.path[-MAX_PAGE_SIZE:]


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        f"limit={MAX_PAGE_SIZE + 1}",
        "limit=-5",
        "limit=ten",
        "before=not-an-id",
        "around=ABC",
        f"before={'a' * 32}&after={'b' * 32}",
        f"around={'a' * 32}&before={'b' * 32}",
    ],
)
def test_bad_paging_parameters_are_422(
    client: httpx.Client, long_conversation: SeededConversation, query: str
) -> None:
    response = client.get(f"/api/conversations/{long_conversation.id}?{query}")
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"


def test_a_cursor_from_another_conversation_is_404(
    client: httpx.Client, long_conversation: SeededConversation, database_url: str
) -> None:
    other = seed_conversation(database_url, 5)
    for name in ("before", "after", "around"):
        response = client.get(f"/api/conversations/{long_conversation.id}?{name}={other.path[2]}")
        assert response.status_code == 404
        response = client.get(f"/api/conversations/{long_conversation.id}?{name}={new_id()}")
        assert response.status_code == 404


@pytest.mark.parametrize("limit", [100, 333])
def test_paging_up_and_down_walks_the_whole_path_once(
    client: httpx.Client, long_conversation: SeededConversation, limit: int
) -> None:
    seeded = long_conversation
    page = _open(client, seeded.id, limit=limit)
    walked = _ids(page)
    while page["has_earlier"]:
        page = _open(client, seeded.id, limit=limit, before=page["messages"][0]["id"])
        assert page["path_offset"] == 1000 - len(walked) - len(page["messages"])
        assert len(page["messages"]) == min(limit, 1000 - len(walked))
        _assert_siblings(page, seeded)
        walked = _ids(page) + walked
    assert walked == seeded.path  # no gap, no duplicate, root first
    assert page["path_offset"] == 0

    # and downwards from the root with ``after``
    down = _ids(page)
    while page["has_later"]:
        page = _open(client, seeded.id, limit=limit, after=page["messages"][-1]["id"])
        down += _ids(page)
    assert down == seeded.path


def test_around_puts_a_deep_message_in_the_page(
    client: httpx.Client, long_conversation: SeededConversation
) -> None:
    seeded = long_conversation
    target = seeded.path[123]
    page = _open(client, seeded.id, around=target, limit=50)
    assert target in _ids(page)
    assert _ids(page) == seeded.path[98:148]
    assert (page["path_offset"], page["has_earlier"], page["has_later"]) == (98, True, True)
    _assert_siblings(page, seeded)
    # the last message: the page is the newest one
    assert _ids(_open(client, seeded.id, around=seeded.path[-1], limit=50)) == seeded.path[-50:]


def test_switching_a_sibling_deep_in_the_path(
    client: httpx.Client, long_conversation: SeededConversation
) -> None:
    seeded = long_conversation
    position = 119  # an alternative exists here (every 40th message)
    original, alternative = seeded.path[position], seeded.alternatives[position]

    switched = client.post(
        f"/api/conversations/{seeded.id}/switch", json={"message_id": alternative}, params={"limit": 50}
    )
    assert switched.status_code == 200, switched.text
    page = switched.json()
    # the new path: the same 119 ancestors, the alternative, the one answer below it
    assert page["path_length"] == position + 2
    assert _ids(page) == [*seeded.path[position + 2 - 50 : position], alternative, page["active_leaf_id"]]
    assert page["messages"][-1]["content"] == f"below {position}"
    shown = page["messages"][-2]
    assert (shown["sibling_ids"], shown["sibling_index"]) == ([original, alternative], 1)
    # the switch is stored: opening again shows the same newest page, and paging up still works
    reopened = _open(client, seeded.id, limit=50)
    assert _ids(reopened) == _ids(page)
    earlier = _open(client, seeded.id, limit=100, before=reopened["messages"][0]["id"])
    assert _ids(earlier) == seeded.path[: position + 2 - 50]

    # switching back answers the page around the original message, not the end of the path
    back = client.post(
        f"/api/conversations/{seeded.id}/switch", json={"message_id": original}, params={"limit": 50}
    ).json()
    assert original in _ids(back)
    assert back["path_offset"] == position - 25
    assert back["messages"][25]["sibling_index"] == 0


def test_an_older_page_of_a_path_switched_elsewhere_stays_consistent(
    client: httpx.Client, long_conversation: SeededConversation
) -> None:
    """A client holding the old path's pages keeps paging that path (the cursor's own ancestry)."""
    seeded = long_conversation
    old_cursor = seeded.path[900]
    client.post(f"/api/conversations/{seeded.id}/switch", json={"message_id": seeded.alternatives[39]})
    page = _open(client, seeded.id, before=old_cursor, limit=20)
    assert _ids(page) == seeded.path[880:900]


def test_another_users_conversation_is_404_with_paging_parameters(
    client: httpx.Client, database_url: str
) -> None:
    owner_id = insert_user(database_url, "someone-else")
    foreign = seed_conversation(database_url, 30, owner_id=owner_id)
    cursor = foreign.path[20]
    for query in ("", "?limit=5", f"?before={cursor}", f"?after={cursor}", f"?around={cursor}&limit=3"):
        response = client.get(f"/api/conversations/{foreign.id}{query}")
        assert response.status_code == 404, query
        assert "message 20" not in response.text
    switched = client.post(f"/api/conversations/{foreign.id}/switch?limit=5", json={"message_id": cursor})
    assert switched.status_code == 404


def test_a_page_ending_with_a_running_answer(
    client: httpx.Client, fake_provider: FakeProvider, database_url: str
) -> None:
    seeded = seed_conversation(database_url, 300)
    fake_provider.enqueue(Behaviour(chunks=["Still ", "thinking ", "about it."], pause_after=1), model=MODEL)
    turn = send(client, seeded.id, "and one more question")
    answer_id = turn["assistant_message"]["id"]
    fake_provider.wait_until_paused()
    wait_until(lambda: client.get(f"/api/messages/{answer_id}").json()["status"] == "streaming")

    page = _open(client, seeded.id, limit=50)
    assert page["path_length"] == 302
    assert _ids(page) == [*seeded.path[-48:], turn["user_message"]["id"], answer_id]
    running = page["messages"][-1]
    assert running["status"] in ("pending", "streaming")
    assert running["parent_id"] == turn["user_message"]["id"]
    assert page["active_leaf_id"] == answer_id
    # paging up from a page whose end is still being written reaches the root as usual
    earlier = _open(client, seeded.id, limit=250, before=page["messages"][0]["id"])
    assert _ids(earlier) == seeded.path[2:252]

    fake_provider.release()
    assert wait_final(client, answer_id)["content"] == "Still thinking about it."
    done = _open(client, seeded.id, limit=2)
    assert [m["status"] for m in done["messages"]] == ["complete", "complete"]
    assert done["messages"][-1]["content"] == "Still thinking about it."


def test_other_answers_carry_the_newest_page(
    client: httpx.Client, long_conversation: SeededConversation
) -> None:
    """PATCH, clone and branch answer the newest page too, not 1,000 messages."""
    seeded = long_conversation
    patched = client.patch(f"/api/conversations/{seeded.id}", json={"title": "renamed"}).json()
    assert _ids(patched) == seeded.path[-DEFAULT_PAGE_SIZE:]
    clone = client.post(f"/api/conversations/{seeded.id}/clone")
    assert clone.status_code == 201
    cloned = clone.json()
    assert cloned["path_length"] == 1000
    assert [m["content"] for m in cloned["messages"]] == [
        seeded.contents[i] for i in seeded.path[-DEFAULT_PAGE_SIZE:]
    ]
    branched = client.post(f"/api/messages/{seeded.path[499]}/branch").json()
    assert branched["path_length"] == 500
    assert branched["messages"][-1]["content"] == "message 499"
    assert (branched["has_earlier"], branched["has_later"]) == (True, False)


def test_switching_to_a_message_already_on_the_path_keeps_the_path(
    client: httpx.Client, long_conversation: SeededConversation
) -> None:
    """A search hit on the shown path: the answer is the page around it, and the leaf stays (the newest
    children below it would lead into the alternatives)."""
    seeded = long_conversation
    target = seeded.path[300]
    page = client.post(
        f"/api/conversations/{seeded.id}/switch", json={"message_id": target}, params={"limit": 40}
    ).json()
    assert _ids(page) == seeded.path[280:320]
    assert page["active_leaf_id"] == seeded.path[-1]
    assert page["path_length"] == 1000
    assert _ids(_open(client, seeded.id, limit=3)) == seeded.path[-3:]


def test_openapi_documents_the_pages(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/api/conversations/{conversation_id}"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert params["limit"]["schema"]["default"] == DEFAULT_PAGE_SIZE
    assert (params["limit"]["schema"]["minimum"], params["limit"]["schema"]["maximum"]) == (1, MAX_PAGE_SIZE)
    assert {"before", "after", "around"} <= set(params)
    example = operation["responses"]["200"]["content"]["application/json"]["examples"]["newest"]["value"]
    assert example["has_earlier"] is True
    assert example["path_offset"] + DEFAULT_PAGE_SIZE == example["path_length"]
    public = schema["components"]["schemas"]["ConversationPublic"]["properties"]
    assert {"path_length", "path_offset", "has_earlier", "has_later"} <= set(public)


def test_the_whole_path_is_still_there_for_the_server_itself(
    long_conversation: SeededConversation, database_url: str
) -> None:
    """``get_conversation`` without a page (what an export reads) returns every message of the path."""

    async def whole() -> list[str]:
        db = Database(database_url)
        try:
            view = await get_conversation(db, OWNER_USER_ID, long_conversation.id)
        finally:
            await db.dispose()
        assert (view.offset, view.path_length, view.has_earlier, view.has_later) == (0, 1000, False, False)
        return [entry.message.id for entry in view.path]

    assert asyncio.run(whole()) == long_conversation.path
