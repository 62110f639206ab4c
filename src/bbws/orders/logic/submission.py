"""Accepting an order from the storefront: price it, queue it, answer 202 (once per
Idempotency-Key).

Nothing is written to the orders table here: the queue is the durable record of an accepted
order, and the 202 is answered only after SQS has accepted the message. If the send fails the
caller gets a 503 and nothing was promised; with an Idempotency-Key, Powertools deletes the
in-progress record on that failure, so a retry with the same key runs afresh.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from bbws.campaigns.read import get_campaign
from bbws.core.clock import iso, utc_now
from bbws.core.errors import BusinessRuleViolation, Conflict, ServiceUnavailable
from bbws.core.observability import logger, metrics
from bbws.orders.dal import idempotency, queues
from bbws.orders.logic.pricing import PricedOrder, check_client_figures, price_order
from bbws.orders.models.api import OrderRequest
from bbws.orders.models.messages import OrderSubmitted, SubmittedLine
from bbws.products.read import get_products

IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60
_KEY_PREFIX = "orders-api.submit-order"
_REPLAYED = "replayed"
_ORDER_NAMESPACE = uuid.UUID("6f1c7a4e-2b1d-5c3e-9a8f-0d2e4b6c8a10")


@dataclass(frozen=True)
class Acceptance:
    order_id: str
    replayed: bool


def submitted_message(order_id: str, request: OrderRequest, priced: PricedOrder, created_at: str) -> OrderSubmitted:
    return OrderSubmitted(
        order_id=order_id,
        tenant_id=None,
        customer_id=request.customer_id,
        customer_email=request.customer_email,
        currency=priced.currency,
        items=[
            SubmittedLine(
                product_id=line.product_id,
                product_name=line.product_name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                total_price=line.total_price,
            )
            for line in priced.lines
        ],
        subtotal=priced.subtotal,
        discount=priced.discount,
        campaign_code=priced.campaign_code,
        total_amount=priced.total_amount,
        created_at=created_at,
    )


def _accept(request: OrderRequest, order_id: str) -> dict[str, Any]:
    moment = utc_now()
    catalog = get_products([line.product_id for line in request.items])
    campaign = get_campaign(request.campaign_code) if request.campaign_code else None
    priced = price_order(request, catalog, campaign, moment)
    check_client_figures(request, priced)
    try:
        queues.send_order_submitted(submitted_message(order_id, request, priced, iso(moment)))
    except queues.PublishFailed:
        logger.exception("order not queued", extra={"order_id": order_id})
        raise ServiceUnavailable("the order could not be accepted right now; please retry") from None
    logger.info("order accepted", extra={"order_id": order_id})
    metrics.add_metric(name="OrdersAccepted", unit=MetricUnit.Count, value=1)
    return {"orderId": order_id}


def keyed_order_id(payload: dict[str, Any]) -> str:
    """The order id of a keyed request: derived from its key and body, so a retry after a crash
    between queueing and answering (whose in-progress record then expires and runs again)
    queues the SAME order id, and the consumer's conditional write keeps one order."""
    return str(uuid.uuid5(_ORDER_NAMESPACE, json.dumps(payload, sort_keys=True, separators=(",", ":"))))


def _accept_once(payload: dict[str, Any], request: OrderRequest) -> dict[str, Any]:
    # `payload` is what Powertools hashes (key and body); `request` is the parsed body.
    return _accept(request, keyed_order_id(payload))


def _mark_replayed(response: Any, idempotent_data: DataRecord) -> Any:
    del idempotent_data
    return {**response, _REPLAYED: True}


def accept_order(request: OrderRequest, idempotency_key: str | None, lambda_context: Any) -> Acceptance:
    """Price and queue an order; with an Idempotency-Key, at most once per key and body in 24 h.

    Same key and body: the first answer again (`replayed`); same key, other body: 422; same key
    while the first request is still running: 409. Without a key every call is a new order.
    """
    if idempotency_key is None:
        return Acceptance(order_id=_accept(request, str(uuid.uuid4()))["orderId"], replayed=False)
    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="body",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=IDEMPOTENCY_WINDOW_SECONDS,
        response_hook=_mark_replayed,
    )
    if lambda_context is not None:
        # Bounds an in-progress record by the invocation's deadline: a crashed request frees its key.
        config.register_lambda_context(lambda_context)
    accept_once = idempotent_function(
        _accept_once,
        data_keyword_argument="payload",
        persistence_store=idempotency.persistence_layer(),
        config=config,
        key_prefix=_KEY_PREFIX,
    )
    payload = {"key": idempotency_key, "body": request.model_dump(mode="json", by_alias=True)}
    try:
        result = accept_once(payload=payload, request=request)
    except IdempotencyValidationError:
        raise BusinessRuleViolation("this Idempotency-Key was already used with a different request body") from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict("a request with this Idempotency-Key is still being processed; retry shortly") from None
    except IdempotencyPersistenceLayerError:
        logger.exception("idempotency store unavailable")
        raise ServiceUnavailable("the order could not be accepted right now; please retry") from None
    return Acceptance(order_id=str(result["orderId"]), replayed=bool(result.get(_REPLAYED, False)))
