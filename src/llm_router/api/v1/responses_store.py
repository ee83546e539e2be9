"""Responses kept with ``store: true``: saved after the answer, read back for ``previous_response_id``,
and swept once older than ``responses_keep_days`` (30 by default, as OpenAI keeps them).

Every read is scoped to the caller: another user's response id is answered exactly like an unknown one
(404), so ids reveal nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from llm_router.core.errors import NotFound
from llm_router.core.ids import utcnow
from llm_router.db.engine import Database
from llm_router.db.models import StoredResponse

log = logging.getLogger(__name__)


def _missing(response_id: str) -> NotFound:
    return NotFound(f"no response with id {response_id!r}", code="response_not_found")


async def save(db: Database, owner_id: str, response: dict[str, Any], items: list[dict[str, Any]]) -> None:
    """``items``: the conversation so far (earlier context and this input); the output is appended."""
    row = StoredResponse(
        id=response["id"],
        owner_id=owner_id,
        model=str(response.get("model", "")),
        items=[*items, *response.get("output", [])],
        response=response,
    )
    async with db.write() as session:
        session.add(row)


async def _row(db: Database, owner_id: str, response_id: str) -> StoredResponse:
    async with db.read() as session:
        query = select(StoredResponse).where(
            StoredResponse.id == response_id, StoredResponse.owner_id == owner_id
        )
        row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        raise _missing(response_id)
    return row


async def history(db: Database, owner_id: str, response_id: str) -> list[dict[str, Any]]:
    """The items of a stored response's whole conversation, to continue it."""
    return list((await _row(db, owner_id, response_id)).items)


async def fetch(db: Database, owner_id: str, response_id: str) -> dict[str, Any]:
    return dict((await _row(db, owner_id, response_id)).response)


async def remove(db: Database, owner_id: str, response_id: str) -> None:
    async with db.write() as session:
        result = await session.execute(
            delete(StoredResponse).where(
                StoredResponse.id == response_id, StoredResponse.owner_id == owner_id
            )
        )
    if not getattr(result, "rowcount", 0):
        raise _missing(response_id)


async def sweep(db: Database, older_than: timedelta) -> int:
    """Delete every user's stored responses older than ``older_than``; the number deleted."""
    async with db.write() as session:
        result = await session.execute(
            delete(StoredResponse).where(StoredResponse.created_at < utcnow() - older_than)
        )
    count = int(getattr(result, "rowcount", 0) or 0)
    if count:
        log.info("swept %d stored response(s) older than %s", count, older_than)
    return count
