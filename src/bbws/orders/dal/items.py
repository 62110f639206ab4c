"""How an order is written as a DynamoDB item and read back (the one place that knows)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bbws.orders.dal.schema import ENTITY_TYPE, created_key, order_key
from bbws.orders.models.order import EmailIssue, EmailProblem, Order, OrderLine, OrderStatus


def to_item(order: Order) -> dict[str, Any]:
    item: dict[str, Any] = {
        **order_key(order.order_id),
        "entityType": ENTITY_TYPE,
        "createdKey": created_key(order.created_at, order.order_id),
        "orderId": order.order_id,
        "tenantId": order.tenant_id,
        "customerEmail": order.customer_email,
        "status": order.status.value,
        "currency": order.currency,
        "items": [
            {
                "productId": line.product_id,
                "productName": line.product_name,
                "quantity": line.quantity,
                "unitPrice": line.unit_price,
                "totalPrice": line.total_price,
            }
            for line in order.items
        ],
        "subtotal": order.subtotal,
        "discount": order.discount,
        "totalAmount": order.total_amount,
        "createdAt": order.created_at,
        "updatedAt": order.updated_at,
    }
    # Absent rather than null: DynamoDB items stay small and GSI-free of empty values.
    if order.customer_id is not None:
        item["customerId"] = order.customer_id
    if order.campaign_code is not None:
        item["campaignCode"] = order.campaign_code
    return item


def _line(raw: Mapping[str, Any]) -> OrderLine:
    return OrderLine(
        product_id=str(raw["productId"]),
        product_name=str(raw.get("productName", "")),
        quantity=int(raw["quantity"]),
        unit_price=Decimal(raw["unitPrice"]),
        total_price=Decimal(raw["totalPrice"]),
    )


# The order's email issues (written by `record_email_issue`, never by `to_item`): a list in
# the order of arrival, with the keys already recorded as a string set so a duplicate SES
# event is refused by the write's condition rather than appended twice.
EMAIL_ISSUES = "emailIssues"
EMAIL_ISSUE_KEYS = "emailIssueKeys"


def issue_to_item(issue: EmailIssue) -> dict[str, Any]:
    item = {
        "template": issue.template,
        "recipient": issue.recipient,
        "problem": issue.problem.value,
        "detail": issue.detail,
        "at": issue.at,
    }
    if issue.ses_message_id:
        item["sesMessageId"] = issue.ses_message_id
    return item


def _issue(raw: Mapping[str, Any]) -> EmailIssue:
    message_id = raw.get("sesMessageId")
    return EmailIssue(
        template=str(raw.get("template", "")),
        recipient=str(raw.get("recipient", "")),
        problem=EmailProblem(str(raw["problem"])),
        detail=str(raw.get("detail", "")),
        at=str(raw.get("at", "")),
        ses_message_id=str(message_id) if message_id else None,
    )


def from_item(item: Mapping[str, Any]) -> Order:
    customer_id = item.get("customerId")
    campaign_code = item.get("campaignCode")
    return Order(
        order_id=str(item["orderId"]),
        tenant_id=str(item["tenantId"]),
        customer_email=str(item["customerEmail"]),
        customer_id=str(customer_id) if customer_id is not None else None,
        status=OrderStatus(str(item["status"])),
        currency=str(item["currency"]),
        items=tuple(_line(raw) for raw in item.get("items", [])),
        subtotal=Decimal(item["subtotal"]),
        discount=Decimal(item["discount"]),
        campaign_code=str(campaign_code) if campaign_code is not None else None,
        total_amount=Decimal(item["totalAmount"]),
        created_at=str(item["createdAt"]),
        updated_at=str(item.get("updatedAt", item["createdAt"])),
        email_issues=tuple(_issue(raw) for raw in item.get(EMAIL_ISSUES, [])),
    )
