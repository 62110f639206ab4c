"""The products API: `/products` routes, each a few lines handing over to the catalog rules."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import content_types
from aws_lambda_powertools.event_handler.api_gateway import Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from bbws.core.api import api_entry_point, build_resolver, current_principal
from bbws.core.clock import now_iso
from bbws.core.openapi import ADMIN_ONLY, ANYONE, header, problem_responses
from bbws.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from bbws.core.preconditions import etag
from bbws.core.priming import ValidRequest, add_valid_request
from bbws.core.routes import BASE_PATH
from bbws.products.dal.items import ProductRecord
from bbws.products.dal.repository import ProductRepository
from bbws.products.logic import catalog
from bbws.products.models.product import Product, ProductCreate, ProductPage, ProductReplace
from bbws.products.read import priming_item

app = build_resolver()

_TAGS = ["products"]
_ETAG = {"ETag": header('The product\'s version as a strong entity tag, e.g. `"3"`')}
ProductIdPath = Annotated[str, Path(alias="productId", description="The product's id")]


def _product_response(record: ProductRecord, status_code: int = 200) -> Response[Product]:
    headers = {"ETag": etag(record.version)}
    if status_code == 201:
        headers["Location"] = f"{BASE_PATH}/products/{record.product_id}"
    return Response(
        status_code=status_code,
        content_type=content_types.APPLICATION_JSON,
        body=catalog.to_view(record),
        headers=headers,
    )


@app.get(
    "/products",
    summary="List products",
    description="Active products, ordered by id. Admins may add `includeInactive=true`.",
    tags=_TAGS,
    security=ANYONE,
    responses={200: {"description": "A page of products"}, **problem_responses(400, 401, 403, 413, 503)},
)
def list_products(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(description="`nextCursor` of the previous page")] = None,
    include_inactive: Annotated[
        bool, Query(alias="includeInactive", description="Admins only: include retired products")
    ] = False,
) -> ProductPage:
    page = catalog.list_products(
        ProductRepository.from_settings(),
        current_principal(app),
        include_inactive=include_inactive,
        limit=limit,
        cursor=cursor,
    )
    return ProductPage(items=[catalog.to_view(r) for r in page.items], next_cursor=page.next_cursor)


@app.get(
    "/products/<productId>",
    summary="Read a product",
    description="404 for a retired product unless the caller is an admin.",
    tags=_TAGS,
    security=ANYONE,
    responses={200: {"description": "The product", "headers": _ETAG}, **problem_responses(401, 403, 404, 413)},
)
def get_product(product_id: ProductIdPath) -> Response[Product]:
    record = catalog.read_product(ProductRepository.from_settings(), current_principal(app), product_id)
    return _product_response(record)


@app.post(
    "/products",
    summary="Add a product",
    tags=_TAGS,
    security=ADMIN_ONLY,
    responses={
        201: {
            "description": "The product was created",
            "headers": {**_ETAG, "Location": header("The product's URL")},
        },
        **problem_responses(400, 401, 403, 409, 413),
    },
)
def create_product(product: ProductCreate) -> Response[Product]:
    record = catalog.create_product(ProductRepository.from_settings(), current_principal(app), product, now_iso())
    return _product_response(record, status_code=201)


@app.put(
    "/products/<productId>",
    summary="Replace a product",
    description=(
        "Replaces every client field (omitted optional fields take their defaults) and bumps the "
        "version. `active: true` reactivates a retired product; omitted leaves it as it is."
    ),
    tags=_TAGS,
    security=ADMIN_ONLY,
    responses={
        200: {"description": "The product as replaced", "headers": _ETAG},
        **problem_responses(400, 401, 403, 404, 412, 413),
    },
)
def replace_product(
    product_id: ProductIdPath,
    product: ProductReplace,
    if_match: Annotated[str | None, Header(alias="If-Match", description='`"<version>"` from the ETag')] = None,
) -> Response[Product]:
    record = catalog.replace_product(
        ProductRepository.from_settings(),
        current_principal(app),
        product_id,
        product,
        if_match=if_match,
        now=now_iso(),
    )
    return _product_response(record)


@app.delete(
    "/products/<productId>",
    summary="Retire a product",
    description="Soft delete: the product stays for existing orders but leaves the catalog.",
    tags=_TAGS,
    security=ADMIN_ONLY,
    responses={204: {"description": "The product is retired"}, **problem_responses(401, 403, 404, 413)},
)
def retire_product(product_id: ProductIdPath) -> Response[None]:
    catalog.retire_product(ProductRepository.from_settings(), current_principal(app), product_id, now_iso())
    return Response(status_code=204, body=None)


# SnapStart priming rehearses the storefront's page of the catalog too (two priming products).
add_valid_request(
    "products-api",
    ValidRequest("GET", "/products", 200, lambda: [priming_item("bbws-priming"), priming_item("bbws-priming-two")]),
)
lambda_handler = api_entry_point(app, function="products-api")
