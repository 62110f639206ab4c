"""The JSON files Terraform reads are exactly what the code's tables generate."""

from __future__ import annotations

import json

from tests.infra import codegen


def test_committed_routes_json_is_generated_from_the_route_table() -> None:
    """Given the route table in bbws.core.routes, when routes.json is generated from it,
    then the committed file is identical (regenerate with `python -m tests.infra.codegen`)."""
    committed = codegen.ROUTES_JSON.read_text(encoding="utf-8")

    assert committed == codegen.render(codegen.routes_document())


def test_committed_tables_json_is_generated_from_the_services_schemas() -> None:
    """Given every service's dal/schema.py, when tables.json is generated from them, then the
    committed file is identical."""
    committed = codegen.TABLES_JSON.read_text(encoding="utf-8")

    assert committed == codegen.render(codegen.tables_document())


def test_every_route_of_the_table_is_in_routes_json_once() -> None:
    """Given routes.json, then it lists each (method, path) of ROUTES exactly once with the
    base path in front."""
    from bbws.core.routes import BASE_PATH, ROUTES

    document = json.loads(codegen.ROUTES_JSON.read_text(encoding="utf-8"))
    listed = [(r["method"], r["path"]) for r in document["routes"]]

    assert sorted(listed) == sorted((r.method, BASE_PATH + r.path) for r in ROUTES)
    assert len(set(listed)) == len(listed)


def test_ttl_is_on_only_where_the_code_declares_its_attribute() -> None:
    """Given the schemas (orders expire idempotency records by `expiration`; tenants, products
    and campaigns declare no TTL attribute), then tables.json names a TTL attribute for orders
    only: TTL on an attribute nothing writes would be configuration the code does not back."""
    tables = codegen.tables_document()["tables"]

    assert {key: table["ttlAttribute"] for key, table in tables.items()} == {
        "campaigns": None,
        "orders": "expiration",
        "products": None,
        "tenants": None,
    }
