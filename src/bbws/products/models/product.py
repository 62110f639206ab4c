"""The products API's bodies: what a client may send and what it gets back."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.alias_generators import to_camel

from bbws.core.money import SUPPORTED_CURRENCIES, DecimalAmount, MoneyError, parse_money

PRODUCT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{2,63}$"
MONEY_PATTERN = r"^[0-9]+(\.[0-9]+)?$"
MAX_PRICE = Decimal(10) ** 12
PRICE_TEXT_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,3})?$"
_PRICE_TEXT = re.compile(PRICE_TEXT_PATTERN)

# What the OpenAPI document promises for a price on input, as close to the rules below as JSON
# Schema can say without knowing the currency (its minor-unit digits are checked in code).
PRICE_INPUT_SCHEMA = {
    "anyOf": [
        {"type": "string", "pattern": PRICE_TEXT_PATTERN},
        {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10**12},
    ],
    "description": "Greater than 0 and below 10^12, with at most the currency's minor-unit digits; "
    "a plain decimal string or an exact JSON number",
}

BillingCycle = Literal["once", "monthly", "annual"]
ProductId = Annotated[str, StringConstraints(pattern=PRODUCT_ID_PATTERN)]
Feature = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Currency = Annotated[
    str,
    Field(description="ISO 4217 code", json_schema_extra={"enum": list(SUPPORTED_CURRENCIES)}),
]
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class _ClientProductFields(BaseModel):
    """Fields a client sets, shared by create and replace. Unknown fields are a 400."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, frozen=True)

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    # Declared before `price` so the price validator can see it.
    currency: Currency
    price: Annotated[DecimalAmount, WithJsonSchema(PRICE_INPUT_SCHEMA, mode="validation")]
    features: Annotated[list[Feature], Field(min_length=1, max_length=50)]
    billing_cycle: BillingCycle = "once"

    @field_validator("currency")
    @classmethod
    def _supported_currency(cls, value: str) -> str:
        if value not in SUPPORTED_CURRENCIES:
            raise ValueError("must be a supported ISO 4217 currency code")
        return value

    @field_validator("price", mode="before")
    @classmethod
    def _plain_decimal_text(cls, value: object) -> object:
        # "1E+2", "+5" or " 5" are numbers to Decimal but not the plain text money is written in.
        if isinstance(value, str) and not _PRICE_TEXT.fullmatch(value):
            raise ValueError('must be a plain decimal such as "99.99"')
        return value

    @field_validator("price")
    @classmethod
    def _exact_positive_price(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        if value <= 0:
            raise ValueError("must be greater than 0")
        if value >= MAX_PRICE:
            # Also keeps absurd exponents ("1E+400") away from decimal arithmetic and DynamoDB.
            raise ValueError(f"must be less than {MAX_PRICE}")
        currency = info.data.get("currency")
        if currency is None:  # the currency error is reported on its own field
            return value
        try:
            return parse_money(value, currency)
        except MoneyError as exc:
            raise ValueError(str(exc)) from None


class ProductCreate(_ClientProductFields):
    """POST /products. Without `productId` the server makes one from the name."""

    product_id: ProductId | None = None


class ProductReplace(_ClientProductFields):
    """PUT /products/{productId}: replaces every client field; omitted optional fields take
    their defaults. `active` omitted leaves the product as it is; true reactivates it."""

    # Strict: "false" or 0 must not pass for a boolean that retires a product.
    active: StrictBool | None = None


class Product(BaseModel):
    """A product as the API returns it; `price` has exactly the currency's minor-unit digits."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, validate_by_name=True, frozen=True)

    product_id: str
    name: str
    description: str
    price: Annotated[str, Field(pattern=MONEY_PATTERN, examples=["99.99"])]
    currency: str
    features: list[str]
    billing_cycle: BillingCycle
    active: bool
    version: int = Field(ge=1)
    created_at: Timestamp
    updated_at: Timestamp


class ProductPage(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, validate_by_name=True, frozen=True)

    items: list[Product]
    next_cursor: str | None
