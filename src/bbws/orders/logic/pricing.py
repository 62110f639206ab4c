"""Pricing an order from the catalog and a campaign: the server's figures, never the client's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bbws.core.errors import BusinessRuleViolation
from bbws.core.money import format_money, quantize
from bbws.orders.models.api import OrderRequest

if TYPE_CHECKING:
    from bbws.campaigns.read import CampaignTerms
    from bbws.products.read import CatalogProduct

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class PricedLine:
    product_id: str
    product_name: str
    quantity: int
    unit_price: Decimal
    total_price: Decimal
    discountable: bool  # the campaign covers this product


@dataclass(frozen=True)
class PricedOrder:
    currency: str
    lines: tuple[PricedLine, ...]
    subtotal: Decimal
    discount: Decimal
    campaign_code: str | None
    total_amount: Decimal

    def figures(self) -> dict[str, Any]:
        """The server's figures in wire form, as a 422 shows them to the shopper."""
        money = self.currency
        return {
            "currency": money,
            "items": [
                {
                    "productId": line.product_id,
                    "quantity": line.quantity,
                    "unitPrice": format_money(line.unit_price, money),
                    "totalPrice": format_money(line.total_price, money),
                }
                for line in self.lines
            ],
            "subtotal": format_money(self.subtotal, money),
            "discount": format_money(self.discount, money),
            "totalAmount": format_money(self.total_amount, money),
        }


def discount_for(eligible_subtotal: Decimal, percent: Decimal, currency: str) -> Decimal:
    """Eligible subtotal x percent / 100, rounded half-up to minor units once per order (not
    per line, so the shopper never loses a cent to repeated rounding)."""
    return quantize(eligible_subtotal * percent / HUNDRED, currency)


def _rule_error(detail: str, errors: list[tuple[str, str]]) -> BusinessRuleViolation:
    return BusinessRuleViolation(
        detail, extensions={"errors": [{"field": field, "message": message} for field, message in errors]}
    )


def _catalog_lines(request: OrderRequest, catalog: Mapping[str, CatalogProduct]) -> list[tuple[CatalogProduct, int]]:
    unavailable: list[tuple[str, str]] = []
    wrong_currency: list[tuple[str, str]] = []
    lines: list[tuple[CatalogProduct, int]] = []
    for index, line in enumerate(request.items):
        product = catalog.get(line.product_id)
        field = f"items[{index}].productId"
        if product is None or not product.active:
            unavailable.append((field, f"product {line.product_id!r} is unknown or no longer sold"))
        elif product.currency != request.currency:
            wrong_currency.append((field, f"product {line.product_id!r} is sold in {product.currency}"))
        else:
            lines.append((product, line.quantity))
    if unavailable:
        raise _rule_error("the order names products that are not for sale", unavailable + wrong_currency)
    if wrong_currency:
        raise _rule_error(f"the order's currency {request.currency} is not every product's currency", wrong_currency)
    return lines


def _usable_campaign(code: str, campaign: CampaignTerms | None, moment: datetime) -> CampaignTerms:
    if campaign is None or not campaign.usable_at(moment):
        raise _rule_error("the campaign code cannot be used now", [("campaignCode", f"{code!r} is not active")])
    return campaign


def price_order(
    request: OrderRequest,
    catalog: Mapping[str, CatalogProduct],
    campaign: CampaignTerms | None,
    moment: datetime,
) -> PricedOrder:
    """Price every line from the catalog and apply the campaign named by the request.

    Raises 422 for an unknown or inactive product, a product in another currency, or a campaign
    code that is missing, switched off, outside its window or covers none of the products.
    """
    currency = request.currency
    terms = _usable_campaign(request.campaign_code, campaign, moment) if request.campaign_code else None
    lines: list[PricedLine] = []
    for product, quantity in _catalog_lines(request, catalog):
        unit = quantize(product.price, currency)
        lines.append(
            PricedLine(
                product_id=product.product_id,
                product_name=product.name,
                quantity=quantity,
                unit_price=unit,
                total_price=quantize(unit * quantity, currency),
                discountable=terms is not None and (not terms.product_ids or product.product_id in terms.product_ids),
            )
        )
    subtotal = quantize(sum((line.total_price for line in lines), Decimal(0)), currency)
    discount = Decimal(0)
    if terms is not None:
        eligible = sum((line.total_price for line in lines if line.discountable), Decimal(0))
        if not eligible:
            raise _rule_error(
                "the campaign does not cover any product of the order",
                [("campaignCode", f"{terms.code!r} does not apply to these products")],
            )
        discount = discount_for(eligible, terms.discount_percent, currency)
    return PricedOrder(
        currency=currency,
        lines=tuple(lines),
        subtotal=subtotal,
        discount=quantize(discount, currency),
        campaign_code=terms.code if terms is not None else None,
        total_amount=quantize(subtotal - discount, currency),
    )


def check_client_figures(request: OrderRequest, priced: PricedOrder) -> None:
    """A 422 carrying the server's figures if any price the client sent differs from them, so
    the shopper is never charged an amount they were not shown."""
    mismatches: list[tuple[str, str]] = []
    currency = priced.currency
    for index, (sent, line) in enumerate(zip(request.items, priced.lines, strict=True)):
        if sent.unit_price is not None and sent.unit_price != line.unit_price:
            mismatches.append((f"items[{index}].unitPrice", f"the price is {format_money(line.unit_price, currency)}"))
        if sent.total_price is not None and sent.total_price != line.total_price:
            mismatches.append(
                (f"items[{index}].totalPrice", f"the line total is {format_money(line.total_price, currency)}")
            )
    if request.total_amount is not None and request.total_amount != priced.total_amount:
        mismatches.append(("totalAmount", f"the total is {format_money(priced.total_amount, currency)}"))
    if mismatches:
        error = _rule_error("the prices sent differ from the current prices", mismatches)
        error.extensions["expected"] = priced.figures()
        raise error
