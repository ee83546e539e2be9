"""Dollar budgets: daily and monthly limits per user (set by an admin, or a lower one by the user) and per
API token (set by an admin), enforced from the database so every replica enforces the same budget.

``Budgets.check(user_id, token_id, plan)`` runs before a chat turn is stored and before a ``/v1`` call
goes upstream: over a limit, anything that may spend money is refused with ``BudgetExceeded`` (402);
a plan whose every model is local ($0) still runs. An answer already running is never cut: the limit is
checked when an answer starts, so the one that crosses it finishes and the next is refused.
Spend is the sum of ``usage_events.cost`` since 00:00 UTC (day) or the 1st of the month (UTC), one
index-only query per scope. That no budget applies is remembered for ``LIMITS_TTL`` seconds per process
(cleared at once by a ``set`` in this process): with no budget set, a ``/v1`` call then costs no query at
all (the lookup was a fifth of a routed call's CPU time). Another replica sees a new limit within that
time, which is no looser than the spend itself (usage rows are written after each answer, in batches);
an existing limit is read on every check, so lifting or changing it shows everywhere at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, case, func, select

from llm_router.core.errors import AppError
from llm_router.core.ids import utcnow
from llm_router.core.singleflight import SingleFlight
from llm_router.db.engine import Database
from llm_router.db.models import Budget, UsageEvent
from llm_router.services.routing import Plan

WARN_AT = 0.8
LIMITS_TTL = 2.0  # seconds a process trusts its copy of which budgets exist
Period = Literal["day", "month"]
Scope = Literal["user", "personal", "token"]


class BudgetExceeded(AppError):
    """402: a retry cannot succeed before the window resets (SDKs do not retry 402, unlike 429)."""

    status_code = 402
    code = "budget_exceeded"

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"x-should-retry": "false"})


@dataclass(frozen=True, slots=True)
class BudgetLine:
    scope: Scope
    period: Period
    limit_usd: float
    spent_usd: float
    resets_at: datetime

    @property
    def fraction(self) -> float:
        return self.spent_usd / self.limit_usd if self.limit_usd > 0 else 1.0

    @property
    def state(self) -> Literal["ok", "warning", "exceeded"]:
        if self.fraction >= 1:
            return "exceeded"
        return "warning" if self.fraction >= WARN_AT else "ok"


def windows(now: datetime) -> tuple[datetime, datetime, datetime, datetime]:
    """(start of today, start of this month, start of tomorrow, start of next month), all UTC."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    return day, month, day + timedelta(days=1), next_month


def key_of(scope: Scope, owner: str) -> str:
    return f"{scope}:{owner}"


def is_free(plan: Plan) -> bool:
    """Every model the plan may ask is local: it cannot spend money."""
    return all(m.is_local for m in (*plan.chain, *((plan.local,) if plan.local else ())))


@dataclass(frozen=True, slots=True)
class _Limit:
    key: str
    api_token_id: str | None
    daily_usd: float | None
    monthly_usd: float | None


class Budgets:
    """Reads and sets budgets; ``AppServices.budgets``."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # budget keys -> (read at, []): the keys that had no budget when last read
        self._limits: dict[tuple[str, ...], tuple[float, list[_Limit]]] = {}
        # concurrent checks share one read (of the limits, of a spend): see core/singleflight.py
        self._reading_limits: SingleFlight[list[_Limit]] = SingleFlight()
        self._reading_spend: SingleFlight[tuple[float, float]] = SingleFlight()

    async def _budgets(self, keys: list[str]) -> list[_Limit]:
        now = time.monotonic()
        cached = self._limits.get(tuple(keys))
        if cached is not None and now - cached[0] < LIMITS_TTL:
            return cached[1]
        limits = await self._reading_limits.run(tuple(keys), lambda: self._read_limits(keys))
        if limits:  # a limit that exists is read every time, so lifting it anywhere shows at once
            return limits
        if len(self._limits) >= 10_000:
            self._limits.clear()  # forgetting is safe: it only costs a query
        self._limits[tuple(keys)] = (now, limits)
        return limits

    async def _read_limits(self, keys: list[str]) -> list[_Limit]:
        async with self.db.read() as session:
            rows = await session.scalars(select(Budget).where(Budget.key.in_(keys)))
            return [_Limit(b.key, b.api_token_id, b.daily_usd, b.monthly_usd) for b in rows]

    async def _spent(self, scope: str, where: ColumnElement[bool], now: datetime) -> tuple[float, float]:
        day, month, _, _ = windows(now)
        return await self._reading_spend.run((scope, day), lambda: self._read_spent(where, day, month))

    async def _read_spent(
        self, where: ColumnElement[bool], day: datetime, month: datetime
    ) -> tuple[float, float]:
        cost = func.coalesce(UsageEvent.cost, 0.0)
        query = select(
            func.coalesce(func.sum(case((UsageEvent.created_at >= day, cost), else_=0.0)), 0.0),
            func.coalesce(func.sum(cost), 0.0),
        ).where(where, UsageEvent.created_at >= month)
        async with self.db.read() as session:
            row = (await session.execute(query)).one()
        return float(row[0]), float(row[1])

    async def lines(self, user_id: str, token_id: str | None = None) -> list[BudgetLine]:
        """Every limit that applies to this user (and token), with what was spent in its window."""
        keys = [key_of("user", user_id), key_of("personal", user_id)]
        if token_id:
            keys.append(key_of("token", token_id))
        budgets = await self._budgets(keys)
        if not budgets:
            return []
        now = utcnow()
        _, _, next_day, next_month = windows(now)
        found: list[BudgetLine] = []
        user_spent: tuple[float, float] | None = None
        for budget in sorted(budgets, key=lambda b: keys.index(b.key)):
            scope: Scope = budget.key.split(":", 1)[0]  # type: ignore[assignment]
            if scope == "token":
                where = UsageEvent.api_token_id == budget.api_token_id
                spent = await self._spent(budget.key, where, now)
            else:
                user_spent = user_spent or await self._spent(
                    f"user:{user_id}", UsageEvent.owner_id == user_id, now
                )
                spent = user_spent
            if budget.daily_usd is not None:
                found.append(BudgetLine(scope, "day", budget.daily_usd, spent[0], next_day))
            if budget.monthly_usd is not None:
                found.append(BudgetLine(scope, "month", budget.monthly_usd, spent[1], next_month))
        return found

    async def exceeded(self, user_id: str, token_id: str | None = None) -> BudgetExceeded | None:
        """The refusal to raise for anything that may spend money, when a limit is reached."""
        for line in await self.lines(user_id, token_id):
            if line.state == "exceeded":
                return BudgetExceeded(refusal(line))
        return None

    async def check(self, user_id: str, token_id: str | None, plan: Plan) -> None:
        """Refuse (402) a plan that may spend money when a limit is reached; local-only plans pass."""
        if not is_free(plan) and (refused := await self.exceeded(user_id, token_id)):
            raise refused

    async def set(
        self,
        scope: Scope,
        user_id: str,
        daily: float | None,
        monthly: float | None,
        token_id: str | None = None,
    ) -> None:
        """Set (or with both ``None`` remove) one budget."""
        key = key_of(scope, token_id if scope == "token" and token_id else user_id)
        try:
            await self._write(key, scope, user_id, daily, monthly, token_id)
        finally:
            self._limits.clear()  # after the commit, so no read in between keeps the old limits
            self._reading_limits.forget()

    async def _write(
        self,
        key: str,
        scope: Scope,
        user_id: str,
        daily: float | None,
        monthly: float | None,
        token_id: str | None,
    ) -> None:
        async with self.db.write() as session:
            budget = await session.get(Budget, key)
            if daily is None and monthly is None:
                if budget is not None:
                    await session.delete(budget)
                return
            if budget is None:
                budget = Budget(key=key, user_id=user_id, api_token_id=token_id if scope == "token" else None)
                session.add(budget)
            budget.daily_usd, budget.monthly_usd = daily, monthly
            budget.updated_at = utcnow()


WHO = {"user": "your", "personal": "your personal", "token": "this API token's"}


def refusal(line: BudgetLine) -> str:
    period = "today" if line.period == "day" else "this month"
    when = "00:00 UTC" if line.period == "day" else f"{line.resets_at:%Y-%m-%d} 00:00 UTC"
    return (
        f"budget reached: {WHO[line.scope]} {'daily' if line.period == 'day' else 'monthly'} limit is "
        f"${line.limit_usd:.2f} and ${line.spent_usd:.2f} was spent {period}; it resets at {when}. "
        "Local models still answer; an admin can raise the limit."
    )
