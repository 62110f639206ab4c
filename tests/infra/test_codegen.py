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


def test_a_table_without_its_own_ttl_attribute_gets_the_default_one() -> None:
    """Given the tenants schema, which declares no TTL attribute, then tables.json still names
    one, so TTL is on for every table."""
    tables = codegen.tables_document()["tables"]

    assert all(table["ttlAttribute"] for table in tables.values())
    assert tables["orders"]["ttlAttribute"] == "expiration"
