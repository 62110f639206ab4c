"""Catalog rules and request models, without AWS."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bbws.core.errors import PreconditionFailed
from bbws.core.money import MINOR_UNITS
from bbws.core.preconditions import etag, expected_versions
from bbws.products.logic.catalog import new_product_id, to_view
from bbws.products.models.product import PRODUCT_ID_PATTERN, ProductCreate, ProductReplace
from tests.unit.products.test_read import record


def test_generated_ids_are_readable_slugs_of_the_name() -> None:
    assert new_product_id("Business Hosting (Annual)!", suffix="abc123") == "business-hosting-annual-abc123"


def test_a_name_without_letters_or_digits_still_gets_an_id() -> None:
    assert new_product_id("¡¿!", suffix="abc123") == "product-abc123"


@given(st.text(max_size=300))
def test_every_generated_id_is_a_valid_product_id(name: str) -> None:
    assert re.fullmatch(PRODUCT_ID_PATTERN, new_product_id(name))


def test_two_products_with_one_name_get_different_ids() -> None:
    assert new_product_id("Hosting") != new_product_id("Hosting")


@pytest.mark.parametrize(
    ("currency", "price", "wire"),
    [("ZAR", "10", "10.00"), ("JPY", "1500", "1500"), ("BHD", "1.5", "1.500")],
)
def test_prices_leave_with_exactly_the_currency_minor_units(currency, price, wire) -> None:
    product = record("web-basic", price=price)
    view = to_view(product.__class__(**{**product.__dict__, "currency": currency}))
    assert view.price == wire


@pytest.mark.parametrize(
    ("header", "versions"),
    [(None, None), ("*", None), ('"3"', (3,)), ('W/"3"', (3,)), ("3", (3,)), ('"4", "2"', (2, 4))],
)
def test_if_match_names_the_versions_it_accepts(header, versions) -> None:
    assert expected_versions(header) == versions


@pytest.mark.parametrize("header", ['"abc"', '""', "W/", '"99999999999999999999"'])
def test_if_match_naming_no_possible_version_fails_at_once(header) -> None:
    with pytest.raises(PreconditionFailed):
        expected_versions(header)


def test_etag_is_the_version_in_quotes() -> None:
    assert etag(4) == '"4"'
    assert expected_versions(etag(4)) == (4,)


def valid(**changes) -> dict:
    return {"name": "Plan", "price": "10", "currency": "ZAR", "features": ["a"], **changes}


def test_price_digits_are_checked_against_the_currency() -> None:
    assert ProductCreate.model_validate(valid(price="10.5")).price == Decimal("10.50")
    with pytest.raises(ValidationError, match="at most 0 decimal places"):
        ProductCreate.model_validate(valid(price="10.5", currency="JPY"))


def test_a_float_price_is_refused() -> None:
    with pytest.raises(ValidationError, match="float"):
        ProductCreate.model_validate(valid(price=10.5))


def test_an_absurd_price_is_refused() -> None:
    # As jsonutil parses the JSON number 1E+400.
    with pytest.raises(ValidationError, match="less than"):
        ProductCreate.model_validate(valid(price=Decimal("1E+400")))


@pytest.mark.parametrize("text", ["1E+2", "+5", " 5", "5.", "1234567890123", "1.2345"])
def test_price_text_must_be_a_plain_decimal(text) -> None:
    with pytest.raises(ValidationError, match="plain decimal"):
        ProductCreate.model_validate(valid(price=text))


def test_active_must_be_a_real_boolean() -> None:
    with pytest.raises(ValidationError):
        ProductReplace.model_validate(valid(active="false"))
    assert ProductReplace.model_validate(valid(active=False)).active is False


def test_features_are_trimmed_and_never_blank() -> None:
    assert ProductCreate.model_validate(valid(features=["  SSL "])).features == ["SSL"]
    with pytest.raises(ValidationError):
        ProductCreate.model_validate(valid(features=["   "]))


@given(
    currency=st.sampled_from(sorted(MINOR_UNITS)),
    cents=st.integers(min_value=1, max_value=10**12 - 1),
    as_text=st.booleans(),
)
def test_any_valid_price_comes_back_exactly_with_the_currency_digits(currency, cents, as_text) -> None:
    # Given a price with at most the currency's minor-unit digits, sent as text or JSON number
    places = MINOR_UNITS[currency]
    amount = Decimal(cents).scaleb(-places)
    sent = str(amount) if as_text else amount
    # When it is validated and rendered for the wire
    request = ProductCreate.model_validate(valid(price=sent, currency=currency))
    product = record("web-basic")
    wire = to_view(product.__class__(**{**product.__dict__, "price": request.price, "currency": currency})).price
    # Then the same amount comes back with exactly the minor-unit digits
    assert Decimal(wire) == amount
    assert len(wire.partition(".")[2]) == places
