"""``/api/budget`` (your limits and what you spent) and the admin's budgets per user and per API token."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from llm_router.api.deps import AdminUser, BudgetsDep, CurrentUser, DatabaseDep
from llm_router.core.errors import NotFound
from llm_router.db.models import ApiToken, User
from llm_router.services.accounts.budgets import WARN_AT, BudgetLine

router = APIRouter(tags=["budgets"])

Usd = Field(default=None, ge=0, le=1_000_000, examples=[5.0])


class BudgetUpdate(BaseModel):
    """Limits in USD; ``null`` (or leaving one out) means no limit for that period."""

    model_config = ConfigDict(extra="forbid")
    daily_usd: float | None = Usd
    monthly_usd: float | None = Usd


class BudgetLinePublic(BaseModel):
    scope: Literal["user", "personal", "token"] = Field(
        description="`user`: set by an admin; `personal`: your own; `token`: an API token's"
    )
    period: Literal["day", "month"]
    limit_usd: float
    spent_usd: float
    fraction: float
    state: Literal["ok", "warning", "exceeded"]
    resets_at: datetime

    @classmethod
    def of(cls, line: BudgetLine) -> BudgetLinePublic:
        return cls(
            scope=line.scope,
            period=line.period,
            limit_usd=line.limit_usd,
            spent_usd=line.spent_usd,
            fraction=round(line.fraction, 4),
            state=line.state,
            resets_at=line.resets_at,
        )


class BudgetStatus(BaseModel):
    state: Literal["none", "ok", "warning", "exceeded"] = Field(
        description=f"the worst line: `warning` from {WARN_AT:.0%} of a limit, `exceeded` at 100 %"
    )
    lines: list[BudgetLinePublic]


def _status(lines: list[BudgetLine]) -> BudgetStatus:
    order = ("ok", "warning", "exceeded")
    worst = max((line.state for line in lines), key=order.index, default="none")
    return BudgetStatus(state=worst, lines=[BudgetLinePublic.of(line) for line in lines])


@router.get("/api/budget", summary="Your budgets and what you spent in each window (status line)")
async def my_budget(user: CurrentUser, budgets: BudgetsDep) -> BudgetStatus:
    return _status(await budgets.lines(user.id))


@router.put(
    "/api/budget",
    summary="Set your personal limit (the lower of yours and the admin's applies)",
)
async def set_my_budget(body: BudgetUpdate, user: CurrentUser, budgets: BudgetsDep) -> BudgetStatus:
    await budgets.set("personal", user.id, body.daily_usd, body.monthly_usd)
    return _status(await budgets.lines(user.id))


@router.put(
    "/api/admin/users/{user_id}/budget",
    summary="Set a user's daily and monthly limits (admin only)",
    responses={404: {"description": "No such user"}},
)
async def set_user_budget(
    user_id: str, body: BudgetUpdate, _admin: AdminUser, db: DatabaseDep, budgets: BudgetsDep
) -> BudgetStatus:
    async with db.read() as session:
        if await session.get(User, user_id) is None:
            raise NotFound("user not found")
    await budgets.set("user", user_id, body.daily_usd, body.monthly_usd)
    return _status(await budgets.lines(user_id))


@router.put(
    "/api/admin/tokens/{token_id}/budget",
    summary="Set an API token's daily and monthly limits (admin only)",
    responses={404: {"description": "No such token"}},
)
async def set_token_budget(
    token_id: str, body: BudgetUpdate, _admin: AdminUser, db: DatabaseDep, budgets: BudgetsDep
) -> BudgetStatus:
    async with db.read() as session:
        owner = await session.scalar(select(ApiToken.user_id).where(ApiToken.id == token_id))
    if owner is None:
        raise NotFound("token not found")
    await budgets.set("token", owner, body.daily_usd, body.monthly_usd, token_id=token_id)
    lines = [line for line in await budgets.lines(owner, token_id) if line.scope == "token"]
    return _status(lines)
