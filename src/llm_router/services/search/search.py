"""Full-text search over the user's conversation titles and message text.

One entry point, ``search(db, owner_id, q, limit)``, over two engines: SQLite FTS5 and PostgreSQL
``tsvector`` (migration 0002, ``search_engines``). Hits are ranked best first, scoped to the owner, limited
to user and assistant messages of existing conversations, and carry a snippet that is safe to use as HTML.
"""

from __future__ import annotations

from llm_router.core.errors import AppError
from llm_router.db.engine import Database
from llm_router.services.search.engines import SearchHit, engine_for
from llm_router.services.search.query import SearchQuery, parse_query

__all__ = ["MAX_LIMIT", "MAX_QUERY_CHARS", "InvalidSearch", "SearchHit", "search", "validate_query"]

MAX_QUERY_CHARS = 500
MAX_LIMIT = 100


class InvalidSearch(AppError):
    status_code = 422
    code = "invalid_query"


def validate_query(q: str) -> SearchQuery:
    """The parsed query; 422 for an empty or over-long one.

    Punctuation alone is a valid query that finds nothing: search-as-you-type may well send a lone ``"``.
    """
    if not q.strip():
        raise InvalidSearch('q is empty: type a word, a "quoted phrase" or a prefix*')
    if len(q) > MAX_QUERY_CHARS:
        raise InvalidSearch(f"q is too long: at most {MAX_QUERY_CHARS} characters, got {len(q)}")
    return parse_query(q)


async def search(db: Database, owner_id: str, q: str, limit: int = 20) -> list[SearchHit]:
    """The owner's best ``limit`` hits for ``q`` (titles and messages together), best first."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidSearch(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    query = validate_query(q)
    if query.is_empty:
        return []
    engine = engine_for(db)
    async with db.read() as session:
        hits = await engine.search(session, owner_id, query, limit)
    hits.sort(key=lambda hit: hit.rank, reverse=True)
    return hits[:limit]
