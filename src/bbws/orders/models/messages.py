"""The messages the orders service sends: OrderSubmitted (orders queue) and notifications."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel

from bbws.core.money import DecimalAmount, MoneyError, parse_money
from bbws.orders.models.order import ORDER_ID_PATTERN

_MESSAGE = ConfigDict(alias_generator=to_camel, validate_by_name=True, frozen=True, extra="ignore")


class SubmittedLine(BaseModel):
    model_config = _MESSAGE

    product_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    product_name: Annotated[str, StringConstraints(max_length=200)] = ""
    quantity: Annotated[int, Field(ge=1, le=1000)]
    unit_price: DecimalAmount
    total_price: DecimalAmount


class OrderSubmitted(BaseModel):
    """An accepted, priced order on its way to the consumer (SPEC §4).

    Also reads the earlier shape without `schemaVersion`, `subtotal` and `discount`, with
    amounts as strings or numbers: the subtotal is then the sum of the lines and the discount
    whatever separates it from the total. Unknown fields are ignored, so a producer may add
    fields before every consumer knows them.
    """

    model_config = _MESSAGE

    schema_version: Literal[1] = 1
    order_id: Annotated[str, StringConstraints(pattern=ORDER_ID_PATTERN)]
    tenant_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    customer_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    customer_email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]
    currency: str
    items: Annotated[list[SubmittedLine], Field(min_length=1, max_length=50)]
    subtotal: DecimalAmount | None = None
    discount: DecimalAmount | None = None
    campaign_code: str | None = None
    total_amount: DecimalAmount
    created_at: str

    @model_validator(mode="after")
    def _consistent_amounts(self) -> OrderSubmitted:
        try:
            for line in self.items:
                object.__setattr__(line, "unit_price", parse_money(line.unit_price, self.currency))
                object.__setattr__(line, "total_price", parse_money(line.total_price, self.currency))
            total = parse_money(self.total_amount, self.currency)
            lines_sum = sum((line.total_price for line in self.items), Decimal(0))
            subtotal = parse_money(self.subtotal, self.currency) if self.subtotal is not None else lines_sum
            discount = parse_money(self.discount, self.currency) if self.discount is not None else subtotal - total
        except MoneyError as exc:
            raise ValueError(str(exc)) from None
        if subtotal != lines_sum or discount < 0 or subtotal - discount != total:
            raise ValueError("subtotal, discount and totalAmount do not add up")
        # Frozen model: fill in the derived figures of the earlier shape once, here.
        object.__setattr__(self, "total_amount", total)
        object.__setattr__(self, "subtotal", subtotal)
        object.__setattr__(self, "discount", discount)
        return self

    def amounts(self) -> tuple[Decimal, Decimal, Decimal]:
        """(subtotal, discount, totalAmount), all present once validated (derived for the
        earlier shape)."""
        if self.subtotal is None or self.discount is None:  # pragma: no cover - set by the validator
            raise ValueError("amounts are derived during validation")
        return self.subtotal, self.discount, self.total_amount


class OrderNotification(BaseModel):
    """Notifications queue body: `{"schemaVersion":1,"type","orderId","tenantId"}`."""

    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, frozen=True)

    schema_version: Literal[1] = 1
    type: Literal["ORDER_CREATED", "ORDER_PAID"]
    order_id: str
    tenant_id: str
