"""``/api/usage/series``, ``/breakdown``, ``/conversations`` and ``/export``: the dashboard's figures.

All of them read one window (``from`` inclusive, ``to`` exclusive; default the last 30 days) of the
caller's usage rows; ``all_users=true`` lets an admin read everyone's (and group by user).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from llm_router.api.deps import CurrentUser, DatabaseDep
from llm_router.core.errors import AppError, Forbidden
from llm_router.core.ids import utcnow
from llm_router.db.models import User
from llm_router.services.usage import reports
from llm_router.services.usage.reports import Bucket, GroupBy, Totals, Window

router = APIRouter(prefix="/api/usage", tags=["usage"])

DEFAULT_DAYS = 30
MAX_DAYS = 3660

From = Annotated[date | None, Query(alias="from", description="First day (UTC), default 30 days ago")]
To = Annotated[date | None, Query(description="Last day (UTC, included), default today")]
AllUsers = Annotated[bool, Query(description="Everyone's rows (admins only)")]


def window_of(user: User, start: date | None, end: date | None, all_users: bool) -> Window:
    if all_users and user.role != "admin":
        raise Forbidden("only an admin can read everyone's usage")
    last = end or utcnow().date()
    first = start or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last or (last - first).days > MAX_DAYS:
        raise AppError(f"'from' must not be after 'to', at most {MAX_DAYS} days apart", status_code=422)
    return Window(
        None if all_users else user.id,
        datetime.combine(first, time(), UTC),
        datetime.combine(last + timedelta(days=1), time(), UTC),
    )


class TotalsPublic(BaseModel):
    requests: int
    tokens_in: int
    tokens_out: int
    cost: float = Field(description="USD; calls of unknown price count as 0")
    saving: float = Field(description="USD the local-first router saved against the cloud model")

    @classmethod
    def of(cls, totals: Totals) -> TotalsPublic:
        return cls(
            requests=totals.requests,
            tokens_in=totals.tokens_in,
            tokens_out=totals.tokens_out,
            cost=round(totals.cost, 10),
            saving=round(totals.saving, 10),
        )


class SeriesPoint(TotalsPublic):
    start: date = Field(description="First day of the bucket (weeks start on Monday)")


class Series(BaseModel):
    bucket: Bucket
    points: list[SeriesPoint]
    total: TotalsPublic


@router.get("/series", summary="Cost, tokens and savings per day, week or month")
async def usage_series(
    user: CurrentUser,
    db: DatabaseDep,
    bucket: Bucket = "day",
    start: From = None,
    to: To = None,
    all_users: AllUsers = False,
) -> Series:
    points = await reports.series(db, window_of(user, start, to, all_users), bucket)
    total = Totals()
    for _, totals in points:
        total.add(totals)
    return Series(
        bucket=bucket,
        points=[SeriesPoint(start=day, **TotalsPublic.of(t).model_dump()) for day, t in points],
        total=TotalsPublic.of(total),
    )


class BreakdownItem(TotalsPublic):
    key: str | None = Field(description="The model, provider, device, token id, source or user id")


class Breakdown(BaseModel):
    by: GroupBy
    items: list[BreakdownItem]


@router.get("/breakdown", summary="Totals by model, provider, device, API token, source or (admins) user")
async def usage_breakdown(
    user: CurrentUser,
    db: DatabaseDep,
    by: GroupBy = "model",
    start: From = None,
    to: To = None,
    all_users: AllUsers = False,
) -> Breakdown:
    if by == "user" and not all_users:
        raise AppError("by=user needs all_users=true (admins)", status_code=422)
    rows = await reports.breakdown(db, window_of(user, start, to, all_users), by)
    return Breakdown(by=by, items=[BreakdownItem(key=k, **TotalsPublic.of(t).model_dump()) for k, t in rows])


class ConversationCost(TotalsPublic):
    conversation_id: str
    title: str


class ConversationCosts(BaseModel):
    items: list[ConversationCost]


@router.get("/conversations", summary="The most expensive conversations in the window")
async def usage_conversations(
    user: CurrentUser,
    db: DatabaseDep,
    start: From = None,
    to: To = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> ConversationCosts:
    rows = await reports.top_conversations(db, window_of(user, start, to, False), limit)
    return ConversationCosts(
        items=[
            ConversationCost(conversation_id=cid, title=title, **TotalsPublic.of(t).model_dump())
            for cid, title, t in rows
        ]
    )


def _csv_value(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


async def _csv(window: Window, db: DatabaseDep) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(reports.EXPORT_COLUMNS)
    async for page in reports.export_rows(db, window):
        for row in page:
            writer.writerow([_csv_value(v) for v in row.values()])
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode()


async def _json_lines(window: Window, db: DatabaseDep) -> AsyncIterator[bytes]:
    yield b"["
    first = True
    async for page in reports.export_rows(db, window):
        for row in page:
            yield (b"" if first else b",") + orjson.dumps(row)
            first = False
    yield b"]"


@router.get(
    "/export",
    summary="Every usage row in the window as CSV or JSON (streamed)",
    response_class=StreamingResponse,
)
async def usage_export(
    user: CurrentUser,
    db: DatabaseDep,
    format: Literal["csv", "json"] = "csv",
    start: From = None,
    to: To = None,
    all_users: AllUsers = False,
) -> StreamingResponse:
    window = window_of(user, start, to, all_users)
    name = f"llm-router-usage-{window.start:%Y-%m-%d}-{window.end - timedelta(days=1):%Y-%m-%d}.{format}"
    body = _csv(window, db) if format == "csv" else _json_lines(window, db)
    media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    return StreamingResponse(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
