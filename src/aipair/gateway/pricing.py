"""Prices as data, and cost arithmetic in integer micro-USD (never float).

A :class:`Price` row says what one provider charges for one model from a date on; a later row for the
same (provider, model) supersedes it. The ``model_prices`` table is the source (``DEFAULT_PRICES`` are
the rows it was seeded with); :class:`PriceBook` answers lookups in memory. Model names resolve exact
id first, then the undated base name (``gpt-4o-mini-2024-07-18`` and ``claude-3-5-haiku-latest`` find
``gpt-4o-mini``/``claude-3-5-haiku``), then the provider-wide ``"*"`` row (used for ``local`` and
self-hosted providers).

Because prices are per million tokens, the cost in micro-USD is simply ``tokens x price`` (USD/M):
1,000 tokens at $0.15/M cost 150 micro-USD. Fractions of a micro-USD are rounded up.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal, Protocol

__all__ = [
    "DEFAULT_PRICES",
    "WILDCARD_MODEL",
    "Price",
    "PriceBook",
    "PriceLookup",
    "PriceUnit",
    "base_model_name",
    "cost_micro_usd",
    "find_price",
    "worst_case_cost",
]

PriceUnit = Literal["token", "audio_second"]
WILDCARD_MODEL = "*"
_DATED_SUFFIX = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest)$")


@dataclass(frozen=True, slots=True)
class Price:
    """What ``provider`` charges for ``model`` from ``effective_from`` on, in USD per million units.

    ``unit`` is ``"token"`` for almost everything; duration-priced transcription (``whisper-1``) uses
    ``"audio_second"``, so $0.006 per minute is stored as $100 per million seconds.
    """

    provider: str
    model: str
    input_per_million_usd: Decimal
    output_per_million_usd: Decimal
    effective_from: date
    unit: PriceUnit = "token"
    max_output_tokens: int | None = None
    """The most completion tokens the model produces (None: as the model's earlier rows say)."""


def base_model_name(model: str) -> str:
    """``model`` without a trailing date (``-2024-07-18``, ``-20241022``) or ``-latest``."""
    return _DATED_SUFFIX.sub("", model)


def cost_micro_usd(price: Price, input_tokens: int, output_tokens: int) -> int:
    """Cost of the given usage in integer micro-USD, rounded up. Raises ``ValueError`` on negative counts."""
    if input_tokens < 0 or output_tokens < 0:
        raise ValueError("token counts must not be negative")
    total = price.input_per_million_usd * input_tokens + price.output_per_million_usd * output_tokens
    return math.ceil(total)


def worst_case_cost(price: Price, input_tokens: int, max_output_tokens: int) -> int:
    """Micro-USD to reserve before a call: the input estimate plus every allowed output token."""
    return cost_micro_usd(price, input_tokens, max_output_tokens)


def _latest(candidates: Iterable[Price], at: date) -> Price | None:
    best: Price | None = None
    for price in candidates:
        if price.effective_from <= at and (best is None or price.effective_from > best.effective_from):
            best = price
    return best


def find_price(prices: Iterable[Price], provider: str, model: str, at: date) -> Price | None:
    """The price in effect at ``at`` for (``provider``, ``model``) in any list of rows, or None.

    Resolution order: exact model, undated base name, the provider's ``"*"`` row.
    """
    rows = [p for p in prices if p.provider == provider]
    for name in _names(model):
        found = _latest((p for p in rows if p.model == name), at)
        if found is not None:
            return found
    return None


def _names(model: str) -> tuple[str, ...]:
    """The names a model's rows may have, in the order they are tried."""
    base = base_model_name(model)
    return (model, WILDCARD_MODEL) if base == model else (model, base, WILDCARD_MODEL)


class PriceLookup(Protocol):
    """Anything that answers what a model cost on a day and how much it may write (the catalog read
    from ``model_prices``)."""

    def lookup(self, provider: str, model: str, at: date) -> Price | None: ...

    def output_limit(self, provider: str, model: str, at: date) -> int | None: ...


class PriceBook:
    """An in-memory index of prices for O(1)-ish lookups on the request path."""

    def __init__(self, prices: Iterable[Price]) -> None:
        index: dict[tuple[str, str], list[Price]] = {}
        for price in prices:
            index.setdefault((price.provider, price.model), []).append(price)
        self._index: dict[tuple[str, str], tuple[Price, ...]] = {
            key: tuple(sorted(rows, key=lambda p: p.effective_from, reverse=True))
            for key, rows in index.items()
        }

    def _effective(self, provider: str, model: str, at: date) -> Price | None:
        for price in self._index.get((provider, model), ()):
            if price.effective_from <= at:
                return price
        return None

    def lookup(self, provider: str, model: str, at: date) -> Price | None:
        """The price in effect at ``at`` (exact model, then base name, then ``"*"``), or None if unpriced."""
        for name in _names(model):
            price = self._effective(provider, name, at)
            if price is not None:
                return price
        return None

    def output_limit(self, provider: str, model: str, at: date) -> int | None:
        """The most completion tokens ``model`` produces, as its newest row in effect at ``at`` that says
        (exact model, then base name, then ``"*"``); None when no row says."""
        for name in _names(model):
            for price in self._index.get((provider, name), ()):
                if price.effective_from <= at and price.max_output_tokens is not None:
                    return price.max_output_tokens
        return None

    def prices(self) -> Sequence[Price]:
        """Every row, grouped by (provider, model), newest first within a group."""
        return [price for rows in self._index.values() for price in rows]


def _p(provider: str, model: str, inp: str, out: str, since: str, unit: PriceUnit = "token") -> Price:
    return Price(provider, model, Decimal(inp), Decimal(out), date.fromisoformat(since), unit)


DEFAULT_PRICES: tuple[Price, ...] = (
    # OpenAI (https://openai.com/api/pricing), standard tier.
    _p("openai", "gpt-4o", "5.00", "15.00", "2024-05-13"),
    _p("openai", "gpt-4o", "2.50", "10.00", "2024-10-02"),
    _p("openai", "gpt-4o-2024-05-13", "5.00", "15.00", "2024-05-13"),
    _p("openai", "gpt-4o-mini", "0.15", "0.60", "2024-07-18"),
    _p("openai", "gpt-4.1", "2.00", "8.00", "2025-04-14"),
    _p("openai", "gpt-4.1-mini", "0.40", "1.60", "2025-04-14"),
    _p("openai", "gpt-4.1-nano", "0.10", "0.40", "2025-04-14"),
    _p("openai", "o3-mini", "1.10", "4.40", "2025-01-31"),
    _p("openai", "o4-mini", "1.10", "4.40", "2025-04-16"),
    _p("openai", "o3", "10.00", "40.00", "2025-04-16"),
    _p("openai", "o3", "2.00", "8.00", "2025-06-10"),
    _p("openai", "text-embedding-3-small", "0.02", "0", "2024-01-25"),
    _p("openai", "text-embedding-3-large", "0.13", "0", "2024-01-25"),
    _p("openai", "text-embedding-ada-002", "0.10", "0", "2022-12-15"),
    _p("openai", "whisper-1", "100", "0", "2023-03-01", "audio_second"),  # $0.006 per minute
    # Anthropic (https://www.anthropic.com/pricing), base input and output prices.
    _p("anthropic", "claude-3-5-sonnet", "3.00", "15.00", "2024-06-20"),
    _p("anthropic", "claude-3-5-haiku", "0.80", "4.00", "2024-11-04"),
    _p("anthropic", "claude-3-7-sonnet", "3.00", "15.00", "2025-02-24"),
    _p("anthropic", "claude-sonnet-4", "3.00", "15.00", "2025-05-22"),
    _p("anthropic", "claude-opus-4", "15.00", "75.00", "2025-05-22"),
    _p("anthropic", "claude-opus-4-1", "15.00", "75.00", "2025-08-05"),
    _p("anthropic", "claude-sonnet-4-5", "3.00", "15.00", "2025-09-29"),
    _p("anthropic", "claude-haiku-4-5", "1.00", "5.00", "2025-10-15"),
    _p("anthropic", "claude-opus-4-5", "5.00", "25.00", "2025-11-24"),
    # The built-in offline provider is free, whatever the model id.
    _p("local", WILDCARD_MODEL, "0", "0", "2024-01-01"),
)
"""The rows migration 0002 seeded ``model_prices`` with. At run time prices come from that table only
(:class:`~aipair.gateway.price_catalog.PriceCatalog`); change a price by adding a dated row there."""
