"""The orders API: `/orders` routes, each a few lines handing over to the ordering rules."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import content_types
from aws_lambda_powertools.event_handler.api_gateway import Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from bbws.core.api import api_entry_point, build_resolver, current_principal
from bbws.core.clock import now_iso
from bbws.core.identity import require_storefront
from bbws.core.openapi import ADMIN_ONLY, PROBLEM_JSON, STOREFRONT, Problem, header, problem_responses
from bbws.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from bbws.core.priming import add_valid_request
from bbws.core.routes import BASE_PATH
from bbws.orders.dal.repository import OrderRepository
from bbws.orders.handlers.rehearsal import VALID_ORDER
from bbws.orders.logic import management
from bbws.orders.logic.submission import accept_order
from bbws.orders.logic.views import to_view
from bbws.orders.models.api import OrderAccepted, OrderPage, OrderRequest, OrderView, StatusChange

app = build_resolver()

_TAGS = ["orders"]
_UNAVAILABLE: dict[int, OpenAPIResponse] = {
    503: {
        "description": "A dependency failed; nothing was done that a retry would repeat",
        "content": {PROBLEM_JSON: {"model": Problem}},
    }
}
OrderIdPath = Annotated[str, Path(alias="orderId", description="The order's id")]


@app.post(
    "/orders",
    summary="Submit an order",
    description=(
        "Storefront only. Every line is priced from the catalog and the campaign applied; any "
        "client figure that differs from the server's is a 422 carrying the server's figures in "
        "`expected`. The order is queued and stored asynchronously: poll `Location`."
    ),
    tags=_TAGS,
    security=STOREFRONT,
    responses={
        202: {
            "description": "Accepted; `Idempotent-Replayed: true` when this is a replay of an earlier answer",
            "headers": {
                "Location": header("The order's URL"),
                "Idempotent-Replayed": header("`true` on a replayed answer"),
            },
        },
        **problem_responses(400, 401, 403, 409, 413, 422),
        **_UNAVAILABLE,
    },
)
def submit_order(
    order: OrderRequest,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            description="Same key and body within 24 h: the first answer again; other body: 422; in flight: 409",
        ),
    ] = None,
) -> Response[OrderAccepted]:
    require_storefront(current_principal(app))
    acceptance = accept_order(order, idempotency_key, app.lambda_context)
    headers = {"Location": f"{BASE_PATH}/orders/{acceptance.order_id}"}
    if acceptance.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(
        status_code=202,
        content_type=content_types.APPLICATION_JSON,
        body=OrderAccepted(order_id=acceptance.order_id),
        headers=headers,
    )


@app.get(
    "/orders",
    summary="List orders",
    description="A tenant's own orders; admins: the tenant named by `X-Tenant-Id`, or all tenants. Newest first.",
    tags=_TAGS,
    security=ADMIN_ONLY,
    responses={200: {"description": "A page of orders"}, **problem_responses(400, 401, 403, 413, 503)},
)
def list_orders(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(description="`nextCursor` of the previous page")] = None,
) -> OrderPage:
    principal = current_principal(app)
    page = management.list_orders(OrderRepository.from_settings(), principal, limit, cursor)
    return OrderPage(
        items=[to_view(order, admin=principal.is_admin) for order in page.items], next_cursor=page.next_cursor
    )


@app.get(
    "/orders/<orderId>",
    summary="Read an order",
    description=(
        "The owning tenant or an admin; another tenant's order is a 404, like a missing one. An admin "
        "also gets `emailDeliveryIssues`: why any of the order's emails did not reach a recipient."
    ),
    tags=_TAGS,
    security=ADMIN_ONLY,
    responses={200: {"description": "The order"}, **problem_responses(401, 403, 404, 413)},
)
def get_order(order_id: OrderIdPath) -> OrderView:
    principal = current_principal(app)
    order = management.read_order(OrderRepository.from_settings(), principal, order_id)
    return to_view(order, admin=principal.is_admin)


@app.patch(
    "/orders/<orderId>",
    summary="Change an order's status",
    description=(
        "Admins only. CREATED -> PAID -> FULFILLED, CREATED|PAID -> CANCELLED; anything else is a "
        "409. Paying an order queues its receipt; a 503 means the status changed but the receipt "
        "is not queued yet: repeat the same request to finish."
    ),
    tags=_TAGS,
    security=ADMIN_ONLY,
    responses={200: {"description": "The order"}, **problem_responses(400, 401, 403, 404, 409, 413), **_UNAVAILABLE},
)
def change_order_status(order_id: OrderIdPath, change: StatusChange) -> OrderView:
    order = management.change_status(
        OrderRepository.from_settings(), current_principal(app), order_id, change.status, now_iso()
    )
    return to_view(order, admin=current_principal(app).is_admin)


add_valid_request("orders-api", VALID_ORDER)  # SnapStart priming rehearses it too
lambda_handler = api_entry_point(app, function="orders-api")
