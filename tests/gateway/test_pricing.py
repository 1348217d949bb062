"""Prices as data and cost arithmetic in integer micro-USD."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from aipair.gateway.pricing import (
    DEFAULT_PRICES,
    Price,
    PriceBook,
    base_model_name,
    cost_micro_usd,
    find_price,
    worst_case_cost,
)

TODAY = date(2025, 12, 1)


@pytest.fixture
def book() -> PriceBook:
    return PriceBook(DEFAULT_PRICES)


def test_thousand_input_tokens_of_gpt_4o_mini_cost_150_micro_usd(book: PriceBook) -> None:
    price = book.lookup("openai", "gpt-4o-mini", TODAY)

    assert price is not None
    assert cost_micro_usd(price, 1_000, 0) == 150


def test_cost_adds_input_and_output_and_is_an_int(book: PriceBook) -> None:
    price = book.lookup("openai", "gpt-4o-mini", TODAY)
    assert price is not None

    cost = cost_micro_usd(price, 1_000_000, 1_000_000)

    assert cost == 750_000  # $0.15 + $0.60
    assert isinstance(cost, int)


def test_fractions_of_a_micro_usd_round_up() -> None:
    price = Price("openai", "text-embedding-3-small", Decimal("0.02"), Decimal("0"), date(2024, 1, 25))

    assert cost_micro_usd(price, 1, 0) == 1  # 0.02 micro-USD
    assert cost_micro_usd(price, 50, 0) == 1
    assert cost_micro_usd(price, 51, 0) == 2
    assert cost_micro_usd(price, 0, 0) == 0


def test_negative_token_counts_are_refused() -> None:
    price = DEFAULT_PRICES[0]

    with pytest.raises(ValueError):
        cost_micro_usd(price, -1, 0)


def test_worst_case_reserves_every_allowed_output_token(book: PriceBook) -> None:
    price = book.lookup("anthropic", "claude-sonnet-4-20250514", TODAY)
    assert price is not None

    assert worst_case_cost(price, 2_000, 4_096) == 2_000 * 3 + 4_096 * 15


def test_lookup_picks_the_price_in_effect_on_the_date(book: PriceBook) -> None:
    before_cut = book.lookup("openai", "gpt-4o", date(2024, 9, 1))
    after_cut = book.lookup("openai", "gpt-4o", date(2024, 10, 2))

    assert before_cut is not None and after_cut is not None
    assert before_cut.input_per_million_usd == Decimal("5.00")
    assert after_cut.input_per_million_usd == Decimal("2.50")


def test_lookup_before_any_price_is_none(book: PriceBook) -> None:
    assert book.lookup("openai", "gpt-4.1", date(2025, 1, 1)) is None


def test_dated_and_latest_model_ids_resolve_to_their_base_price(book: PriceBook) -> None:
    dated = book.lookup("openai", "gpt-4o-mini-2024-07-18", TODAY)
    latest = book.lookup("anthropic", "claude-3-5-haiku-latest", TODAY)

    assert dated is not None and dated.model == "gpt-4o-mini"
    assert latest is not None and latest.model == "claude-3-5-haiku"


def test_an_exact_dated_row_wins_over_the_base_name(book: PriceBook) -> None:
    price = book.lookup("openai", "gpt-4o-2024-05-13", TODAY)

    assert price is not None and price.input_per_million_usd == Decimal("5.00")


def test_local_is_free_whatever_the_model(book: PriceBook) -> None:
    price = book.lookup("local", "local-extractive", TODAY)

    assert price is not None
    assert cost_micro_usd(price, 10_000, 10_000) == 0


def test_unknown_model_is_unpriced(book: PriceBook) -> None:
    assert book.lookup("openai", "gpt-99", TODAY) is None
    assert book.lookup("nobody", "gpt-4o", TODAY) is None


def test_find_price_over_plain_rows_agrees_with_the_book(book: PriceBook) -> None:
    for provider, model in [("openai", "o3"), ("anthropic", "claude-opus-4-1-20250805"), ("local", "x")]:
        assert find_price(DEFAULT_PRICES, provider, model, TODAY) == book.lookup(provider, model, TODAY)


def test_whisper_is_priced_per_audio_second_at_six_tenths_of_a_cent_per_minute(book: PriceBook) -> None:
    price = book.lookup("openai", "whisper-1", TODAY)

    assert price is not None and price.unit == "audio_second"
    assert cost_micro_usd(price, 60, 0) == 6_000


def test_default_prices_cover_the_common_models_once_per_date() -> None:
    keys = [(p.provider, p.model, p.effective_from) for p in DEFAULT_PRICES]
    models = {p.model for p in DEFAULT_PRICES}

    assert len(keys) == len(set(keys))
    assert {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o3-mini"} <= models
    assert {"text-embedding-3-small", "text-embedding-3-large", "whisper-1"} <= models
    assert {"claude-sonnet-4", "claude-opus-4", "claude-3-5-haiku", "claude-sonnet-4-5"} <= models
    assert all(isinstance(p.input_per_million_usd, Decimal) for p in DEFAULT_PRICES)


@pytest.mark.parametrize(
    ("model", "base"),
    [
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
        ("claude-3-5-haiku-latest", "claude-3-5-haiku"),
        ("gpt-4.1", "gpt-4.1"),
    ],
)
def test_base_model_name_strips_dates_and_latest(model: str, base: str) -> None:
    assert base_model_name(model) == base


def test_a_rows_output_limit_is_inherited_by_later_rows_that_do_not_say() -> None:
    limited = Price("openai", "gpt-x", Decimal("1"), Decimal("2"), date(2025, 1, 1), max_output_tokens=8_000)
    repriced = Price("openai", "gpt-x", Decimal("3"), Decimal("4"), date(2025, 6, 1))
    book = PriceBook([limited, repriced])
    assert book.output_limit("openai", "gpt-x", date(2025, 7, 1)) == 8_000
    assert book.output_limit("openai", "gpt-x-2025-08-01", date(2025, 7, 1)) == 8_000
    assert book.output_limit("openai", "gpt-x", date(2024, 12, 31)) is None
    assert book.output_limit("openai", "gpt-y", date(2025, 7, 1)) is None
