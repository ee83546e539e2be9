"""The two search engines behind ``services.search``: SQLite FTS5 and PostgreSQL full-text.

Each returns the best ``limit`` message hits and the best ``limit`` title hits with their full text and
where the matches are in it; ``search_snippets`` cuts and escapes the snippets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import TextualSelect, text
from sqlalchemy.ext.asyncio import AsyncSession

from llm_router.db.engine import Database
from llm_router.db.types import UTCDateTime
from llm_router.services.search.query import SearchQuery
from llm_router.services.search.snippets import Markers, match_spans, render_snippet


@dataclass(frozen=True)
class SearchHit:
    conversation_id: str
    conversation_title: str
    message_id: str | None
    """None when the conversation's title matched rather than one of its messages."""
    role: str | None
    """``user`` or ``assistant``; None for a title hit."""
    snippet: str
    """HTML-escaped text around the matches, each match wrapped in ``<mark>…</mark>``."""
    rank: float
    """Relevance, higher is better; comparable only between hits of one search."""
    created_at: datetime


class SearchEngine(Protocol):
    async def search(
        self, session: AsyncSession, owner_id: str, query: SearchQuery, limit: int
    ) -> list[SearchHit]: ...


def engine_for(db: Database) -> SearchEngine:
    return SqliteSearch() if db.is_sqlite else PostgresSearch()


def _statement(sql: str) -> TextualSelect:
    # Typed so that SQLite's timestamp strings come back as aware datetimes, as from the ORM.
    return text(sql).columns(created_at=UTCDateTime())


def _hit(row: Any, snippet: str, *, title_hit: bool) -> SearchHit:
    return SearchHit(
        conversation_id=row.conversation_id,
        conversation_title=row.title,
        message_id=None if title_hit else row.id,
        role=None if title_hit else row.role,
        snippet=snippet,
        rank=float(row.rank),
        created_at=row.created_at,
    )


# Ranking every match is what makes a common word slow: FTS5's bm25() first counts, for its IDF, every
# document that contains each phrase — 900,000 for "the", with position checks for a phrase like "to the".
# So only the newest CANDIDATE_WINDOW matches are ranked (FTS5 walks its doclists newest first and stops
# there), and by a BM25 without IDF: the number of matches highlight() marks, saturated and normalized by
# length (k1 = 1.2, b = 0.75). Below that many matches — any rare word or specific phrase — every match is
# ranked; above it a very common query shows the best of the recent matches, which suits a chat history.
CANDIDATE_WINDOW = 1000


def _sqlite_ranked(fts: str, table: str, column: str, owned: str, result: str) -> TextualSelect:
    """The best ``:limit`` of the newest ``:window`` matches in ``fts``, with their highlighted text."""
    return _statement(f"""
WITH candidates AS MATERIALIZED (
    SELECT t.rowid AS rid, highlight({fts}, 0, :open, :close) AS marked, length(t.{column}) AS chars
    FROM {fts} JOIN {table} AS t ON t.rowid = {fts}.rowid
    WHERE {fts} MATCH :match AND {owned}
    ORDER BY {fts}.rowid DESC LIMIT :window
),
counted AS (
    SELECT rid, marked, chars, (length(marked) - chars) / :marker_chars AS hits,
           max(avg(chars) OVER (), 1.0) AS mean_chars
    FROM candidates
),
top AS MATERIALIZED (
    SELECT rid, marked, hits * 2.2 / (hits + 1.2 * (0.25 + 0.75 * chars / mean_chars)) AS rank
    FROM counted ORDER BY rank DESC, rid DESC LIMIT :limit
)
{result}
""")  # noqa: S608 -- formats in only this module's constant names; every value is bound


_SQLITE_MESSAGES = _sqlite_ranked(
    "messages_fts",
    "messages",
    "content",
    "t.owner_id = :owner AND t.role IN ('user', 'assistant')",
    """SELECT m.id, m.conversation_id, c.title, m.role, m.created_at, top.marked, top.rank
    FROM top JOIN messages AS m ON m.rowid = top.rid JOIN conversations AS c ON c.id = m.conversation_id""",
)
_SQLITE_TITLES = _sqlite_ranked(
    "conversations_fts",
    "conversations",
    "title",
    "t.owner_id = :owner",
    """SELECT c.id AS conversation_id, c.title, c.created_at, top.marked, top.rank
    FROM top JOIN conversations AS c ON c.rowid = top.rid""",
)


class SqliteSearch:
    async def search(
        self, session: AsyncSession, owner_id: str, query: SearchQuery, limit: int
    ) -> list[SearchHit]:
        markers = Markers.random()
        params = {
            "match": query.to_fts5(),
            "owner": owner_id,
            "limit": limit,
            "window": CANDIDATE_WINDOW,
            "open": markers.open,
            "close": markers.close,
            "marker_chars": len(markers.open) + len(markers.close),
        }
        messages = await session.execute(_SQLITE_MESSAGES, params)
        titles = await session.execute(_SQLITE_TITLES, params)
        return [
            _hit(row, render_snippet(*markers.split(row.marked)), title_hit=False) for row in messages
        ] + [
            _hit(row, render_snippet(*markers.split(row.marked), whole=True), title_hit=True)
            for row in titles
        ]


_PG_MESSAGES = _statement("""
WITH q AS MATERIALIZED (SELECT to_tsquery('simple', :tsquery) AS query)
SELECT m.id, m.conversation_id, c.title, m.role, m.created_at, m.content,
       ts_rank(m.search_vector, q.query) AS rank
FROM messages AS m JOIN conversations AS c ON c.id = m.conversation_id, q
WHERE m.search_vector @@ q.query AND m.owner_id = :owner AND m.role IN ('user', 'assistant')
ORDER BY rank DESC LIMIT :limit
""")

_PG_TITLES = _statement("""
WITH q AS MATERIALIZED (SELECT to_tsquery('simple', :tsquery) AS query)
SELECT c.id AS conversation_id, c.title, c.created_at, ts_rank(c.search_vector, q.query) AS rank
FROM conversations AS c, q
WHERE c.search_vector @@ q.query AND c.owner_id = :owner
ORDER BY rank DESC LIMIT :limit
""")


class PostgresSearch:
    async def search(
        self, session: AsyncSession, owner_id: str, query: SearchQuery, limit: int
    ) -> list[SearchHit]:
        params = {"tsquery": query.to_tsquery(), "owner": owner_id, "limit": limit}
        messages = await session.execute(_PG_MESSAGES, params)
        titles = await session.execute(_PG_TITLES, params)
        return [
            _hit(row, render_snippet(row.content, match_spans(row.content, query)), title_hit=False)
            for row in messages
        ] + [
            _hit(row, render_snippet(row.title, match_spans(row.title, query), whole=True), title_hit=True)
            for row in titles
        ]
