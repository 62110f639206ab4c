"""The orders API's bodies: what the storefront and admins may send and what they get back."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic.alias_generators import to_camel

from bbws.core.mailbox import DeliverableEmail
from bbws.core.money import SUPPORTED_CURRENCIES, DecimalAmount, MoneyError, parse_money
from bbws.orders.models.order import EmailProblem, OrderStatus

CAMPAIGN_CODE_PATTERN = r"^[A-Za-z0-9-]{3,32}$"

Currency = Annotated[
    str,
    Field(description="ISO 4217 code", json_schema_extra={"enum": list(SUPPORTED_CURRENCIES)}),
]
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]

_REQUEST = ConfigDict(extra="forbid", alias_generator=to_camel, frozen=True)
_RESPONSE = ConfigDict(extra="forbid", alias_generator=to_camel, validate_by_name=True, frozen=True)


def _json_integer(value: object) -> object:
    """A JSON integer as the OpenAPI document's `"type": "integer"` means it (JSON Schema: a number
    with no fractional part, so 2 and 2.0), never a boolean (`true` is not 1) or a string ("2")."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError("must be a JSON integer")
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError("must be a whole number")
        return int(value)
    return value


class OrderLineRequest(BaseModel):
    """One line of an order. Prices are optional: the server prices every line from the catalog
    and refuses figures that differ from its own."""

    model_config = _REQUEST

    product_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    quantity: Annotated[int, Field(ge=1, le=1000), BeforeValidator(_json_integer)]
    product_name: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="Informational only; the catalog's name is stored"
    )
    unit_price: DecimalAmount | None = None
    total_price: DecimalAmount | None = None


class OrderRequest(BaseModel):
    """POST /orders. Fields such as `status`, `tenantId` or `orderId` are a 400."""

    model_config = _REQUEST

    customer_email: DeliverableEmail
    customer_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    currency: Currency
    campaign_code: Annotated[str, StringConstraints(pattern=CAMPAIGN_CODE_PATTERN)] | None = None
    items: Annotated[list[OrderLineRequest], Field(min_length=1, max_length=50)]
    total_amount: DecimalAmount | None = None

    @field_validator("currency")
    @classmethod
    def _supported_currency(cls, value: str) -> str:
        if value not in SUPPORTED_CURRENCIES:
            raise ValueError("must be a supported ISO 4217 currency code")
        return value

    @field_validator("campaign_code")
    @classmethod
    def _upper_case_code(cls, value: str | None) -> str | None:
        return value.upper() if value is not None else None

    @model_validator(mode="after")
    def _exact_amounts(self) -> OrderRequest:
        # Digits are checked against the order's currency, which a field validator cannot see.
        amounts: list[tuple[str, Decimal | None]] = [("totalAmount", self.total_amount)]
        for index, line in enumerate(self.items):
            amounts.append((f"items[{index}].unitPrice", line.unit_price))
            amounts.append((f"items[{index}].totalPrice", line.total_price))
        for name, amount in amounts:
            if amount is None:
                continue
            try:
                parse_money(amount, self.currency)
            except MoneyError as exc:
                raise ValueError(f"{name}: {exc}") from None
        return self


class OrderAccepted(BaseModel):
    """The 202 answer: the order is queued and will be stored shortly."""

    model_config = _RESPONSE

    order_id: str
    status: Literal["PENDING"] = "PENDING"
    message: str = "Order creation initiated"


class OrderLineView(BaseModel):
    model_config = _RESPONSE

    product_id: str
    product_name: str
    quantity: int
    unit_price: str = Field(description="Exact amount with the currency's minor-unit digits")
    total_price: str


class EmailIssueView(BaseModel):
    """Why one of the order's emails did not reach one recipient."""

    model_config = _RESPONSE

    template: str = Field(description="The email: internal_notification, customer_confirmation or order_receipt")
    recipient: str
    problem: EmailProblem = Field(
        description=(
            "BOUNCED (hard bounce; the address is now suppressed), SOFT_BOUNCED (SES gave up after "
            "retrying), COMPLAINED (marked as spam; the address is now suppressed), REJECTED (SES "
            "refused to send it), SUPPRESSED (not sent: the address was already on the suppression list)"
        )
    )
    detail: str = Field(description="What SES or the receiving server said")
    at: Timestamp


class OrderView(BaseModel):
    """An order as the API returns it; amounts are strings with the currency's digits."""

    model_config = _RESPONSE

    order_id: str
    tenant_id: str
    customer_id: str | None
    customer_email: str
    status: OrderStatus
    currency: str
    items: list[OrderLineView]
    subtotal: str
    discount: str
    campaign_code: str | None
    total_amount: str
    created_at: Timestamp
    updated_at: Timestamp
    email_delivery_issues: list[EmailIssueView] | None = Field(
        default=None,
        description=(
            "Admins only (absent for tenants): each recipient one of the order's emails did not reach, "
            "and why. Empty when every email was accepted for delivery."
        ),
        # A tenant's view has no such key at all rather than a null one.
        exclude_if=lambda value: value is None,
    )


class OrderPage(BaseModel):
    model_config = _RESPONSE

    items: list[OrderView]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")


class StatusChange(BaseModel):
    """PATCH /orders/{orderId}: the status to move to."""

    model_config = _REQUEST

    status: OrderStatus
