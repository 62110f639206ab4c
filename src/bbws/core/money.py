"""Money as Decimal with ISO 4217 minor units: parse exactly, never through binary floats."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

# ISO 4217 minor units for the currencies the agency sells in (and their neighbours).
MINOR_UNITS: dict[str, int] = {
    "ZAR": 2, "USD": 2, "EUR": 2, "GBP": 2, "AUD": 2, "CAD": 2, "CHF": 2, "NZD": 2,
    "SEK": 2, "NOK": 2, "DKK": 2, "BWP": 2, "NAD": 2, "KES": 2, "NGN": 2, "INR": 2,
    "CNY": 2, "SGD": 2, "HKD": 2, "AED": 2, "MUR": 2,
    "JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "UGX": 0, "VND": 0, "XOF": 0, "XAF": 0,
    "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3, "LYD": 3, "IQD": 3,
}  # fmt: skip

SUPPORTED_CURRENCIES: tuple[str, ...] = tuple(sorted(MINOR_UNITS))

# No single amount on the platform reaches a quadrillion. The bound keeps every sum the platform
# computes (50 lines x 1000 units x price) far inside Decimal's 28 significant digits.
MAX_AMOUNT = Decimal(10) ** 15
MAX_EXPONENT = 64
# The one text form of an amount on input (the pattern the OpenAPI documents declare): ASCII
# digits only, so "+149", "1.49e2", " 149", Arabic-Indic or fullwidth digits - all numbers to
# Python's Decimal - are refused.
AMOUNT_TEXT_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
_AMOUNT_TEXT = re.compile(AMOUNT_TEXT_PATTERN)


class MoneyError(ValueError):
    """An amount that is not an exact, well-formed decimal for its currency."""


def minor_units(currency: str) -> int:
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise MoneyError(f"unsupported currency {currency!r}") from None


def to_decimal(value: object) -> Decimal:
    """An exact Decimal from a JSON number (already parsed as Decimal), int or string.

    A Python float is refused: it has already lost the exact value the client sent.
    """
    if isinstance(value, bool | float):
        raise MoneyError("amount must be a decimal string or an exact JSON number, not a float")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        if not _AMOUNT_TEXT.fullmatch(value):
            raise MoneyError(f'{value[:40]!r} is not a plain decimal amount such as "99.99"')
        amount = Decimal(value)
    else:
        raise MoneyError(f"{type(value).__name__} is not an amount")
    if not amount.is_finite():
        raise MoneyError("amount must be finite")
    # adjusted() is the power of ten of the leading digit; bounding it before any arithmetic
    # keeps "1e9999999" from overflowing abs() or a comparison (a 500 instead of a 400).
    if abs(amount.adjusted()) > MAX_EXPONENT:
        raise MoneyError(f"amounts must be less than {MAX_AMOUNT:,}")
    return amount


def parse_money(value: object, currency: str) -> Decimal:
    """Parse an amount for `currency`, refusing more digits than its minor unit allows.

    Trailing zeros beyond the minor unit that do not change the value ("10.500" in ZAR) are
    refused too: a client sending them is confused about the currency.
    """
    amount = to_decimal(value)
    places = minor_units(currency)
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)  # noqa: S101 - finite decimals have int exponents
    if -exponent > places:
        raise MoneyError(f"{currency} amounts have at most {places} decimal places")
    if abs(amount) >= MAX_AMOUNT:
        raise MoneyError(f"amounts must be less than {MAX_AMOUNT:,}")
    return quantize(amount, currency)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit (the one rounding rule of the platform)."""
    try:
        return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more significant digits than Decimal's context holds
        raise MoneyError(f"amount {amount} is too large") from None


def format_money(amount: Decimal, currency: str) -> str:
    """The wire form: a string with exactly the currency's minor-unit digits ("99.99", "1500")."""
    return str(quantize(amount, currency))


def _decimal_input(value: Any) -> Decimal:
    try:
        return to_decimal(value)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None


def _serialize_decimal(value: Decimal) -> str:
    return str(value)


# A Decimal field that accepts a JSON number or string, refuses floats, and serialises as a
# string. Per-currency digit checks need the currency, so models apply `parse_money` in a
# model validator.
DecimalAmount = Annotated[
    Decimal,
    BeforeValidator(_decimal_input),
    PlainSerializer(_serialize_decimal, return_type=str, when_used="always"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": AMOUNT_TEXT_PATTERN},
                {"type": "number"},
            ],
            "description": "Exact decimal amount; a string with the currency's minor-unit digits in responses",
        },
        mode="validation",
    ),
    WithJsonSchema(
        {"type": "string", "pattern": AMOUNT_TEXT_PATTERN},
        mode="serialization",
    ),
]
