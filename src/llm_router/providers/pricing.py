"""Prices and costs, from the ``genai-prices`` package: the one place every caller turns usage into money.

Local models cost $0. A model genai-prices does not know has no price (``None``), which callers show as
unknown — never as $0, which would read as "free".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING

from llm_router.providers.base import Usage

if TYPE_CHECKING:
    import genai_prices

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Price:
    """USD per million tokens (the base tier when the model has tiered prices)."""

    input_per_mtok: float
    output_per_mtok: float
    cached_input_per_mtok: float | None = None

    def public(self) -> dict[str, float]:
        return {"input_per_mtok": self.input_per_mtok, "output_per_mtok": self.output_per_mtok}


FREE = Price(0.0, 0.0, 0.0)


def load_prices() -> None:
    """Import genai-prices and load its bundled data (0.2 s and 13 MB; seconds when not byte-compiled).
    Call it from a worker thread, so the first price lookup never stalls the event loop; nothing imports
    genai-prices before it is needed."""
    _genai_prices()
    from genai_prices.data_snapshot import get_snapshot

    get_snapshot()


def _genai_prices() -> ModuleType:
    import genai_prices

    return genai_prices


def price_of(provider_name: str, model_id: str, *, is_local: bool) -> Price | None:
    """The list price of a model at a provider; ``FREE`` for local models; ``None`` when unknown."""
    if is_local:
        return FREE
    return _listed_price(provider_name.lower(), model_id)


def cost_of(provider_name: str, model_id: str, usage: Usage, *, is_local: bool) -> float | None:
    """What a call cost in USD, counting cached, cache-write and reasoning tokens at their own rates."""
    if is_local:
        return 0.0
    cached = max(0, usage.cached_tokens)
    written = max(0, usage.cache_write_tokens)
    reasoning = min(max(0, usage.reasoning_tokens), max(0, usage.output_tokens))
    genai = _genai_prices()
    priced = genai.Usage(
        # genai-prices counts cached and cache-write tokens inside input_tokens, as we do; a provider
        # that reports less input than cache reads would make the subtraction negative
        input_tokens=max(usage.input_tokens, cached + written),
        cache_read_tokens=cached,
        cache_write_tokens=written,
        output_tokens=max(0, usage.output_tokens),
        output_reasoning_tokens=reasoning,
    )
    try:
        calculation = genai.calc_price(priced, model_id, provider_id=provider_name.lower())
    except (LookupError, ValueError):
        return None
    return float(calculation.total_price)


def context_window_of(provider_name: str, model_id: str) -> int | None:
    """The context window genai-prices records for a model, when it has one."""
    found = _lookup(provider_name.lower(), model_id)
    return found.context_window if found is not None else None


@lru_cache(maxsize=4096)
def _listed_price(provider_id: str, model_id: str) -> Price | None:
    model = _lookup(provider_id, model_id)
    if model is None:
        return None
    try:
        prices = model.get_prices(datetime.now(tz=UTC))
    except (LookupError, ValueError, IndexError):
        return None
    input_price = _base(prices.input_mtok)
    output_price = _base(prices.output_mtok)
    if input_price is None or output_price is None:
        return None
    return Price(input_price, output_price, _base(prices.cache_read_mtok))


def _lookup(provider_id: str, model_id: str) -> genai_prices.types.ModelInfo | None:
    from genai_prices.data_snapshot import get_snapshot

    try:
        _provider, model = get_snapshot().find_provider_model(model_id, None, provider_id, None)
    except LookupError:
        return None
    return model


def _base(value: object) -> float | None:
    """A flat price, or the first tier of a tiered one (what a typical request pays)."""
    if isinstance(value, Decimal):
        return float(value)
    base = getattr(value, "base", None)
    return float(base) if isinstance(base, Decimal) else None
