"""Money is exact: Decimal in, the currency's minor units out, floats refused."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bbws.core.money import MINOR_UNITS, MoneyError, format_money, minor_units, parse_money, quantize, to_decimal

REQUIRED = {"ZAR": 2, "USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "BHD": 3}


@pytest.mark.parametrize(("currency", "digits"), sorted(REQUIRED.items()))
def test_iso_4217_minor_units_of_the_supported_currencies(currency: str, digits: int) -> None:
    assert minor_units(currency) == digits


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("99.99", "ZAR", "99.99"),
        (Decimal("1500"), "JPY", "1500"),
        (10, "USD", "10.00"),
        ("1.5", "BHD", "1.500"),
        ("0.001", "BHD", "0.001"),
    ],
)
def test_amounts_are_formatted_with_exactly_the_minor_unit_digits(value: object, currency: str, expected: str) -> None:
    assert format_money(parse_money(value, currency), currency) == expected


@pytest.mark.parametrize(
    ("value", "currency", "message"),
    [
        (1.5, "ZAR", "not a float"),
        ("1.001", "ZAR", "at most 2"),
        ("10.500", "ZAR", "at most 2"),
        ("1.5", "JPY", "at most 0"),
        ("1.0001", "BHD", "at most 3"),
        (Decimal("NaN"), "ZAR", "finite"),
        (Decimal("Infinity"), "USD", "finite"),
        ("NaN", "ZAR", "not a plain decimal"),
        ("12abc", "ZAR", "not a plain decimal"),
        (" 12", "ZAR", "not a plain decimal"),
        ("12\n", "ZAR", "not a plain decimal"),
        ("1_000", "ZAR", "not a plain decimal"),
        ("", "ZAR", "not a plain decimal"),
        ("+149", "ZAR", "not a plain decimal"),
        ("1.49e2", "ZAR", "not a plain decimal"),
        ("\u0661\u0664\u0669", "ZAR", "not a plain decimal"),  # Arabic-Indic digits
        ("\uff11\uff14\uff19", "ZAR", "not a plain decimal"),  # fullwidth digits
        ("149.", "ZAR", "not a plain decimal"),
        (".5", "ZAR", "not a plain decimal"),
        (True, "ZAR", "not a float"),
        (None, "ZAR", "not an amount"),
        ("10", "XXX", "unsupported currency"),
        (Decimal("1e30"), "ZAR", "less than"),
        (Decimal("1e9999999"), "ZAR", "less than"),
        (Decimal("-1e9999999"), "USD", "less than"),
        (Decimal("1e-9999999"), "ZAR", "less than"),
        (Decimal("1000000000000000"), "JPY", "less than"),
        ("-1000000000000000.00", "USD", "less than"),
    ],
)
def test_inexact_or_malformed_amounts_are_refused(value: object, currency: str, message: str) -> None:
    with pytest.raises(MoneyError, match=message):
        parse_money(value, currency)


def test_the_largest_amount_below_the_bound_is_exact() -> None:
    assert format_money(parse_money("999999999999999.999", "BHD"), "BHD") == "999999999999999.999"


def test_quantizing_beyond_decimal_precision_is_a_money_error_not_a_crash() -> None:
    with pytest.raises(MoneyError, match="too large"):
        quantize(Decimal("1e40"), "ZAR")


def test_rounding_is_half_up_to_the_minor_unit() -> None:
    assert quantize(Decimal("0.005"), "ZAR") == Decimal("0.01")
    assert quantize(Decimal("0.004999"), "ZAR") == Decimal("0.00")
    assert quantize(Decimal("2.5"), "JPY") == Decimal("3")
    assert quantize(Decimal("-0.005"), "ZAR") == Decimal("-0.01")


@given(
    currency=st.sampled_from(sorted(MINOR_UNITS)),
    minor=st.integers(min_value=0, max_value=10**15 - 1),
)
def test_any_exact_amount_survives_a_round_trip_through_its_wire_form(currency: str, minor: int) -> None:
    amount = Decimal(minor).scaleb(-MINOR_UNITS[currency])
    wire = format_money(amount, currency)
    assert parse_money(wire, currency) == amount
    digits = wire.partition(".")[2]
    assert len(digits) == MINOR_UNITS[currency]


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**9), max_value=10**9))
def test_to_decimal_of_a_string_is_the_exact_value(value: Decimal) -> None:
    assert to_decimal(f"{value:f}") == value


@given(st.text(max_size=12))
def test_only_ascii_plain_decimal_text_is_an_amount(text: str) -> None:
    plain = re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text, flags=re.ASCII) is not None
    try:
        to_decimal(text)
    except MoneyError:
        assert not plain
    else:
        assert plain


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_no_float_is_ever_accepted(value: float) -> None:
    with pytest.raises(MoneyError):
        to_decimal(value)
