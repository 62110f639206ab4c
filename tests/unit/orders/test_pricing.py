"""Pricing rules: the catalog's prices, one half-up rounding of the discount, never negative."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bbws.campaigns.read import CampaignTerms
from bbws.core.errors import BusinessRuleViolation
from bbws.core.money import MINOR_UNITS
from bbws.orders.logic.pricing import check_client_figures, discount_for, price_order
from bbws.orders.models.api import OrderRequest
from bbws.products.read import CatalogProduct

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def product(product_id: str, price: str, currency: str = "ZAR", *, active: bool = True) -> CatalogProduct:
    return CatalogProduct(product_id, product_id.title(), Decimal(price), currency, active, "once")


def campaign(percent: str, product_ids: frozenset[str] = frozenset(), *, active: bool = True) -> CampaignTerms:
    return CampaignTerms("CODE", Decimal(percent), product_ids, active, datetime(2026, 1, 1, tzinfo=UTC), None)


def request(lines: list[dict[str, Any]], currency: str = "ZAR", **extra: Any) -> OrderRequest:
    return OrderRequest.model_validate({"customerEmail": "a@b.example", "currency": currency, "items": lines, **extra})


CATALOG = {"site": product("site", "1500.00"), "host": product("host", "99.99")}


def test_lines_are_priced_from_the_catalog_whatever_the_client_says_their_name_is() -> None:
    priced = price_order(request([{"productId": "host", "quantity": 3, "productName": "Cheap"}]), CATALOG, None, NOW)
    (line,) = priced.lines
    assert (line.product_name, line.unit_price, line.total_price) == ("Host", Decimal("99.99"), Decimal("299.97"))
    assert (priced.subtotal, priced.discount, priced.total_amount) == (Decimal("299.97"), 0, Decimal("299.97"))


def test_the_discount_is_rounded_half_up_once_per_order_not_per_line() -> None:
    # Two lines of 0.05 at 50 %: per line that would be 0.03 + 0.03; once per order it is 0.05.
    catalog = {"a": product("a", "0.05"), "b": product("b", "0.05")}
    lines = [{"productId": "a", "quantity": 1}, {"productId": "b", "quantity": 1}]
    priced = price_order(request(lines, campaignCode="CODE"), catalog, campaign("50"), NOW)
    assert priced.discount == Decimal("0.05")
    assert priced.total_amount == Decimal("0.05")


def test_only_the_products_a_campaign_covers_are_discounted() -> None:
    lines = [{"productId": "site", "quantity": 1}, {"productId": "host", "quantity": 1}]
    priced = price_order(request(lines, campaignCode="CODE"), CATALOG, campaign("10", frozenset({"host"})), NOW)
    assert priced.discount == Decimal("10.00")  # 10 % of 99.99 = 9.999 -> 10.00
    assert priced.total_amount == Decimal("1589.99")


def test_a_hundred_percent_campaign_makes_the_order_free_not_negative() -> None:
    priced = price_order(
        request([{"productId": "host", "quantity": 2}], campaignCode="CODE"), CATALOG, campaign("100"), NOW
    )
    assert priced.total_amount == 0


def test_zero_digit_currencies_round_to_whole_units() -> None:
    catalog = {"plan": product("plan", "1500", "JPY")}
    priced = price_order(
        request([{"productId": "plan", "quantity": 1}], "JPY", campaignCode="C0D"), catalog, campaign("33.33"), NOW
    )
    assert priced.discount == Decimal(500)  # 499.95 -> 500
    assert priced.total_amount == Decimal(1000)


@pytest.mark.parametrize(
    ("terms", "why"),
    [
        (None, "no such campaign"),
        (campaign("10", active=False), "switched off"),
        (
            CampaignTerms("CODE", Decimal(10), frozenset(), True, datetime(2027, 1, 1, tzinfo=UTC), None),
            "not started",
        ),
        (
            CampaignTerms("CODE", Decimal(10), frozenset(), True, NOW.replace(year=2025), NOW),
            "ended at this very moment",
        ),
        (campaign("10", frozenset({"other"})), "covers none of the products"),
    ],
)
def test_an_unusable_campaign_is_a_business_rule_violation(terms: CampaignTerms | None, why: str) -> None:
    with pytest.raises(BusinessRuleViolation) as refused:
        price_order(request([{"productId": "host", "quantity": 1}], campaignCode="CODE"), CATALOG, terms, NOW)
    assert refused.value.extensions["errors"][0]["field"] == "campaignCode", why


def test_unknown_and_inactive_products_are_named() -> None:
    catalog = {**CATALOG, "old": product("old", "1.00", active=False)}
    lines = [
        {"productId": "old", "quantity": 1},
        {"productId": "site", "quantity": 1},
        {"productId": "nope", "quantity": 1},
    ]
    with pytest.raises(BusinessRuleViolation) as refused:
        price_order(request(lines), catalog, None, NOW)
    assert [e["field"] for e in refused.value.extensions["errors"]] == ["items[0].productId", "items[2].productId"]


def test_a_product_in_another_currency_is_refused() -> None:
    with pytest.raises(BusinessRuleViolation) as refused:
        price_order(request([{"productId": "site", "quantity": 1}], "USD"), CATALOG, None, NOW)
    assert "ZAR" in refused.value.extensions["errors"][0]["message"]


def test_matching_client_figures_pass_and_differing_ones_carry_the_servers() -> None:
    sent = request(
        [{"productId": "host", "quantity": 2, "unitPrice": "99.99", "totalPrice": "199.98"}], totalAmount="199.98"
    )
    check_client_figures(sent, price_order(sent, CATALOG, None, NOW))
    stale = request([{"productId": "host", "quantity": 2, "totalPrice": "189.98"}])
    with pytest.raises(BusinessRuleViolation) as refused:
        check_client_figures(stale, price_order(stale, CATALOG, None, NOW))
    assert refused.value.extensions["errors"] == [
        {"field": "items[0].totalPrice", "message": "the line total is 199.98"}
    ]
    assert refused.value.extensions["expected"]["items"][0]["totalPrice"] == "199.98"


# --- properties ---------------------------------------------------------------------------------

currencies = st.sampled_from(["ZAR", "JPY", "KWD"])
percents = st.integers(min_value=1, max_value=10_000).map(lambda hundredths: Decimal(hundredths) / 100)


@st.composite
def orders(draw: st.DrawFn) -> tuple[str, dict[str, CatalogProduct], list[dict[str, Any]], CampaignTerms]:
    currency = draw(currencies)
    places = MINOR_UNITS[currency]
    count = draw(st.integers(min_value=1, max_value=6))
    catalog = {
        f"p{i}": product(f"p{i}", str(Decimal(draw(st.integers(1, 10**9))).scaleb(-places)), currency)
        for i in range(count)
    }
    lines = [{"productId": pid, "quantity": draw(st.integers(1, 1000))} for pid in catalog]
    covered = frozenset(draw(st.sets(st.sampled_from(sorted(catalog)), min_size=0, max_size=count)))
    return currency, catalog, lines, campaign(str(draw(percents)), covered)


@given(orders())
def test_total_is_subtotal_minus_a_discount_that_is_never_negative_nor_above_the_subtotal(
    drawn: tuple[str, dict[str, CatalogProduct], list[dict[str, Any]], CampaignTerms],
) -> None:
    currency, catalog, lines, terms = drawn
    priced = price_order(request(lines, currency, campaignCode="CODE"), catalog, terms, NOW)
    assert priced.total_amount == priced.subtotal - priced.discount
    assert 0 <= priced.discount <= priced.subtotal
    assert priced.total_amount >= 0
    assert priced.subtotal == sum(catalog[line["productId"]].price * line["quantity"] for line in lines)
    exponent = -MINOR_UNITS[currency]
    assert all(
        amount.as_tuple().exponent == exponent for amount in (priced.subtotal, priced.discount, priced.total_amount)
    )


@given(st.integers(min_value=0, max_value=10**12), percents, currencies)
def test_the_discount_rounds_half_up_to_minor_units(eligible_minor: int, percent: Decimal, currency: str) -> None:
    # Oracle in integers: discount in minor units = round_half_up(eligible x hundredths / 10000).
    places = MINOR_UNITS[currency]
    hundredths = int(percent * 100)
    expected_minor = (2 * eligible_minor * hundredths + 10_000) // 20_000
    discount = discount_for(Decimal(eligible_minor).scaleb(-places), percent, currency)
    assert discount == Decimal(expected_minor).scaleb(-places)
