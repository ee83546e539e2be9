"""Full-text search (``GET /api/search``) on SQLite FTS5 and PostgreSQL, through the real service and API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import delete, text, update

from llm_router.db.engine import Database
from llm_router.db.models import OWNER_USER_ID, Conversation, Message, User
from llm_router.services.search import engines as search_engines
from llm_router.services.search.query import parse_query
from llm_router.services.search.search import InvalidSearch, SearchHit, search
from llm_router.services.search.snippets import Markers, match_spans, render_snippet
from tests.support.server import LiveServer


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@dataclass
class Seeded:
    conversation_id: str
    message_ids: list[str]


async def seed(
    db: Database, messages: list[tuple[str, str]], *, title: str = "", owner_id: str = OWNER_USER_ID
) -> Seeded:
    """A conversation with ``(role, content)`` messages in a chain, written straight through the models."""
    async with db.write() as session:
        conversation = Conversation(owner_id=owner_id, title=title)
        session.add(conversation)
        await session.flush()
        ids: list[str] = []
        parent_id: str | None = None
        for role, content in messages:
            message = Message(
                conversation_id=conversation.id,
                owner_id=owner_id,
                parent_id=parent_id,
                role=role,
                content=content,
            )
            session.add(message)
            await session.flush()
            ids.append(message.id)
            parent_id = message.id
        return Seeded(conversation.id, ids)


async def add_user(db: Database, username: str) -> str:
    async with db.write() as session:
        user = User(username=username)
        session.add(user)
        await session.flush()
        return user.id


def message_ids(hits: list[SearchHit]) -> list[str | None]:
    return [hit.message_id for hit in hits]


# --- ranking, phrases, prefixes ------------------------------------------------------------------


async def test_more_relevant_message_ranks_first(db: Database) -> None:
    filler = " ".join(f"word{i}" for i in range(60))
    weak = await seed(db, [("user", f"{filler} kettle {filler}")])
    strong = await seed(
        db, [("assistant", "kettle descaling: a kettle needs vinegar, the kettle thanks you")]
    )
    hits = await search(db, OWNER_USER_ID, "kettle")
    assert message_ids(hits) == [strong.message_ids[0], weak.message_ids[0]]
    assert hits[0].rank > hits[1].rank


async def test_all_words_must_match(db: Database) -> None:
    both = await seed(db, [("user", "the red kettle whistles")])
    await seed(db, [("user", "the red bicycle")])
    hits = await search(db, OWNER_USER_ID, "kettle red")
    assert message_ids(hits) == [both.message_ids[0]]


async def test_phrase_matches_words_in_order_only(db: Database) -> None:
    in_order = await seed(db, [("user", "I drink green tea every morning")])
    await seed(db, [("user", "the tea was green with mould")])
    hits = await search(db, OWNER_USER_ID, '"green tea"')
    assert message_ids(hits) == [in_order.message_ids[0]]
    # FTS5 marks the phrase as a whole, PostgreSQL each word of it.
    assert "<mark>green tea</mark>" in hits[0].snippet.replace("</mark> <mark>", " ")


async def test_prefix_term_matches_word_starts(db: Database) -> None:
    seeded = await seed(db, [("user", "the kettle boils"), ("assistant", "kettles and kettlebells")])
    await seed(db, [("user", "a pot of tea")])
    assert set(message_ids(await search(db, OWNER_USER_ID, "kett*"))) == set(seeded.message_ids)
    assert await search(db, OWNER_USER_ID, "kett") == []


async def test_title_matches_are_hits_without_a_message(db: Database) -> None:
    seeded = await seed(db, [("user", "how long to proof dough?")], title="Sourdough <baking> notes")
    hits = await search(db, OWNER_USER_ID, "sourdough")
    assert len(hits) == 1
    assert hits[0].conversation_id == seeded.conversation_id
    assert hits[0].message_id is None
    assert hits[0].role is None
    assert hits[0].conversation_title == "Sourdough <baking> notes"
    assert hits[0].snippet == "<mark>Sourdough</mark> &lt;baking&gt; notes"


async def test_limit_caps_the_results(db: Database) -> None:
    for i in range(5):
        await seed(db, [("user", f"kettle number {i}")], title=f"kettle talk {i}")
    assert len(await search(db, OWNER_USER_ID, "kettle", limit=3)) == 3
    assert len(await search(db, OWNER_USER_ID, "kettle", limit=20)) == 10


# --- snippets ------------------------------------------------------------------------------------


async def test_snippet_escapes_html_and_marks_matches(db: Database) -> None:
    await seed(db, [("assistant", "<script>alert('x')</script> the kettle is hot & \"ready\"")])
    [hit] = await search(db, OWNER_USER_ID, "kettle")
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet
    assert "<mark>kettle</mark>" in hit.snippet
    assert "&amp;" in hit.snippet
    assert "&quot;ready&quot;" in hit.snippet
    # The only markup left is the highlighting.
    assert hit.snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


async def test_text_that_looks_like_a_marker_stays_text(db: Database) -> None:
    await seed(db, [("user", "kettle <mark>not a match</mark> mk00o mk00c")])
    [hit] = await search(db, OWNER_USER_ID, "kettle")
    assert hit.snippet.count("<mark>") == 1
    assert "&lt;mark&gt;not a match&lt;/mark&gt;" in hit.snippet


async def test_snippet_of_a_long_message_is_short_and_around_the_match(db: Database) -> None:
    before = " ".join(f"alpha{i}" for i in range(500))
    after = " ".join(f"omega{i}" for i in range(500))
    await seed(db, [("assistant", f"{before} the needle here {after}")])
    [hit] = await search(db, OWNER_USER_ID, "needle")
    assert "<mark>needle</mark>" in hit.snippet
    assert len(hit.snippet) < 400


async def test_sqlite_ranks_only_the_newest_matches_of_a_very_common_query(
    db: Database, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documented trade-off that keeps a common word fast over a million messages."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL ranks every match")
    oldest_best = await seed(db, [("user", "kettle kettle kettle")])
    newer = await seed(db, [("user", "one kettle here"), ("assistant", "another kettle there")])
    monkeypatch.setattr(search_engines, "CANDIDATE_WINDOW", 2)
    assert set(message_ids(await search(db, OWNER_USER_ID, "kettle"))) == set(newer.message_ids)
    monkeypatch.setattr(search_engines, "CANDIDATE_WINDOW", 3)
    assert message_ids(await search(db, OWNER_USER_ID, "kettle"))[0] == oldest_best.message_ids[0]


def test_snippet_is_cut_around_the_first_match_and_escaped() -> None:
    text = "<p> " + "lorem " * 40 + "the <kettle> & " + "ipsum " * 60
    snippet = render_snippet(text, match_spans(text, parse_query("kettle")))
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert "&lt;<mark>kettle</mark>&gt; &amp;" in snippet
    assert "<p>" not in snippet


def test_markers_split_gives_plain_text_and_match_spans() -> None:
    markers = Markers.random()
    marked = f"a {markers.open}kettle{markers.close} b {markers.open}tea{markers.close}"
    text, spans = markers.split(marked)
    assert text == "a kettle b tea"
    assert [text[start:end] for start, end in spans] == ["kettle", "tea"]
    assert render_snippet(text, spans) == "a <mark>kettle</mark> b <mark>tea</mark>"


# --- scope ---------------------------------------------------------------------------------------


async def test_other_owners_conversations_are_invisible(db: Database) -> None:
    other = await add_user(db, "other")
    await seed(db, [("user", "secret kettle plans")], title="kettle secrets", owner_id=other)
    mine = await seed(db, [("user", "my kettle")])
    assert message_ids(await search(db, OWNER_USER_ID, "kettle")) == [mine.message_ids[0]]
    assert {hit.conversation_id for hit in await search(db, other, "kettle")} != {mine.conversation_id}


async def test_only_user_and_assistant_messages_are_searched(db: Database) -> None:
    seeded = await seed(
        db, [("system", "you are a kettle expert"), ("user", "hello"), ("assistant", "kettle facts")]
    )
    assert message_ids(await search(db, OWNER_USER_ID, "kettle")) == [seeded.message_ids[2]]


# --- the index follows changes -------------------------------------------------------------------


async def test_index_follows_content_updates_while_streaming(db: Database) -> None:
    seeded = await seed(db, [("user", "tell me about teapots"), ("assistant", "")])
    assistant_id = seeded.message_ids[1]
    for partial in ("Porcelain", "Porcelain teapots keep heat", "Porcelain teapots keep heat well"):
        async with db.write() as session:
            await session.execute(
                update(Message).where(Message.id == assistant_id).values(content=partial, status="streaming")
            )
    assert message_ids(await search(db, OWNER_USER_ID, "heat")) == [assistant_id]
    async with db.write() as session:
        await session.execute(update(Message).where(Message.id == assistant_id).values(content="Cast iron"))
    assert await search(db, OWNER_USER_ID, "porcelain") == []
    assert message_ids(await search(db, OWNER_USER_ID, '"cast iron"')) == [assistant_id]


async def test_index_follows_title_changes(db: Database) -> None:
    seeded = await seed(db, [], title="Untitled")
    async with db.write() as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.id == seeded.conversation_id)
            .values(title="Kettle repair")
        )
    assert [hit.conversation_id for hit in await search(db, OWNER_USER_ID, "repair")] == [
        seeded.conversation_id
    ]
    assert await search(db, OWNER_USER_ID, "untitled") == []


async def test_index_follows_deletes(db: Database) -> None:
    kept = await seed(db, [("user", "kettle one"), ("assistant", "kettle two")])
    gone = await seed(db, [("user", "kettle three")], title="kettle chat")
    async with db.write() as session:
        await session.execute(delete(Message).where(Message.id == kept.message_ids[1]))
    assert set(message_ids(await search(db, OWNER_USER_ID, "kettle"))) == {
        kept.message_ids[0],
        gone.message_ids[0],
        None,
    }
    async with db.write() as session:  # deleting a conversation cascades to its messages
        await session.execute(delete(Conversation).where(Conversation.id == gone.conversation_id))
    assert message_ids(await search(db, OWNER_USER_ID, "kettle")) == [kept.message_ids[0]]
    assert await search(db, OWNER_USER_ID, "three") == []


async def test_sqlite_index_agrees_with_the_tables_after_changes(db: Database, backend: str) -> None:
    """FTS5's integrity check (rank 1: against the content tables) catches any trigger that indexes
    something other than what the row holds — the way an external-content index silently rots."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL's generated columns cannot drift")
    kept = await seed(db, [("user", "kettle one"), ("assistant", "")], title="first")
    gone = await seed(db, [("user", "kettle two")], title="second")
    async with db.write() as session:
        await session.execute(update(Message).where(Message.id == kept.message_ids[1]).values(content="tea"))
        await session.execute(
            update(Message).where(Message.id == kept.message_ids[1]).values(status="complete")
        )
        await session.execute(
            update(Conversation).where(Conversation.id == kept.conversation_id).values(title="x")
        )
        await session.execute(delete(Conversation).where(Conversation.id == gone.conversation_id))
    async with db.write() as session:
        for fts in ("messages_fts", "conversations_fts"):
            await session.execute(text(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)"))


# --- languages and hostile input -----------------------------------------------------------------


async def test_unicode_words_are_found(db: Database) -> None:
    cafe = await seed(db, [("user", "un café crème, s'il vous plaît")])
    japanese = await seed(db, [("user", "日本語 のテキスト")])
    assert message_ids(await search(db, OWNER_USER_ID, "café")) == [cafe.message_ids[0]]
    assert message_ids(await search(db, OWNER_USER_ID, "CRÈME")) == [cafe.message_ids[0]]
    assert message_ids(await search(db, OWNER_USER_ID, "日本語")) == [japanese.message_ids[0]]


async def test_operators_are_plain_words(db: Database) -> None:
    seeded = await seed(db, [("user", "salt AND pepper OR vinegar, NOT sugar")])
    await seed(db, [("user", "salt only")])
    assert message_ids(await search(db, OWNER_USER_ID, "salt AND pepper")) == [seeded.message_ids[0]]
    assert message_ids(await search(db, OWNER_USER_ID, "salt OR")) == [seeded.message_ids[0]]
    assert message_ids(await search(db, OWNER_USER_ID, "NOT sugar")) == [seeded.message_ids[0]]


async def test_empty_and_overlong_queries_are_rejected(db: Database) -> None:
    for bad in ("", "   ", "x" * 501):
        with pytest.raises(InvalidSearch):
            await search(db, OWNER_USER_ID, bad)
    assert await search(db, OWNER_USER_ID, '" * - :') == []


def test_parser_reduces_terms_to_quoted_tokens() -> None:
    query = parse_query('NEAR(kettle "green tea" pre* a* "unclosed')
    assert query.to_fts5() == '"near kettle" AND "green tea" AND "pre"* AND "a" AND "unclosed"'
    assert query.to_tsquery() == "'NEAR(kettle' & 'green tea' & 'pre':* & 'a' & 'unclosed'"
    assert parse_query("it's a back\\slash").to_tsquery() == "'it s' & 'a' & 'back slash'"
    assert parse_query('" * - : ()').is_empty


NASTY_QUERIES = [
    '"',
    '""',
    "*",
    "**",
    "kettle*",
    "*kettle",
    "AND",
    "OR kettle",
    "NOT",
    "NEAR(",
    "NEAR(kettle tea, 2)",
    "kettle -tea",
    "-",
    ":",
    "content:kettle",
    "kettle:*",
    "'",
    "it's",
    "\\",
    "a & b | !c <-> (d)",
    "^kettle",
    "{content}: kettle",
    "\x00kettle",
    "café ☕ 日本語 \U0001f600",
    "\u202e\u0301",
    "x" * 500,
    " ".join(["kettle*"] * 100)[:500],
    '"' + "word " * 99 + '"',
]


async def test_nasty_queries_are_answered_by_the_service(db: Database) -> None:
    seeded = await seed(db, [("user", "kettle and tea, it's café time")])
    for q in NASTY_QUERIES:
        hits = await search(db, OWNER_USER_ID, q)
        assert set(message_ids(hits)) <= {seeded.message_ids[0]}, q
    assert message_ids(await search(db, OWNER_USER_ID, "\x00kettle")) == [seeded.message_ids[0]]


async def test_nasty_queries_never_fail_the_server(live_server: LiveServer, db: Database) -> None:
    await seed(db, [("user", "kettle and tea, it's café time")], title="kettle")
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        for q in NASTY_QUERIES:
            response = await client.get("/api/search", params={"q": q})
            # 400 is the request guard refusing a NUL in the URL before it reaches search.
            assert response.status_code in (200, 400, 422), (q, response.status_code, response.text)
            body = response.json()
            if response.status_code == 200:
                assert isinstance(body["results"], list)
            else:
                assert body["error"]["message"]


# --- the HTTP endpoint ---------------------------------------------------------------------------


async def test_api_returns_documented_fields(live_server: LiveServer, db: Database) -> None:
    seeded = await seed(db, [("user", "where is my <b>kettle</b>?")], title="Kitchen")
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        response = await client.get("/api/search", params={"q": "kettle", "limit": 5})
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert set(result) == {
        "conversation_id",
        "conversation_title",
        "message_id",
        "role",
        "snippet",
        "rank",
        "created_at",
    }
    assert result["conversation_id"] == seeded.conversation_id
    assert result["message_id"] == seeded.message_ids[0]
    assert result["conversation_title"] == "Kitchen"
    assert result["role"] == "user"
    assert result["snippet"] == "where is my &lt;b&gt;<mark>kettle</mark>&lt;/b&gt;?"


@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "empty"),
        ({"q": "x" * 501}, "500"),
        ({"q": "kettle", "limit": "0"}, "limit"),
        ({"q": "kettle", "limit": "101"}, "limit"),
    ],
)
async def test_api_rejects_bad_parameters_with_a_readable_422(
    live_server: LiveServer, params: dict[str, str], mentions: str
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        response = await client.get("/api/search", params=params)
    assert response.status_code == 422
    assert mentions in response.json()["error"]["message"]
