"""Each table: keys and indexes from the code's schema, recovery, encryption, TTL, protection."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from bbws.local.provision import TABLE_SCHEMAS
from tests.infra.codegen import table_key
from tests.infra.terraform import (
    ENVIRONMENTS,
    MODULES,
    STACK,
    TERRAFORM_BIN,
    definition,
    modules,
    one,
    render_locals,
    resources,
)

TABLE = MODULES / "table"


def _schema(settings_field: str) -> dict[str, Any]:
    return dict(importlib.import_module(TABLE_SCHEMAS[settings_field]).TABLE)


def _render(definition: dict[str, Any]) -> dict[str, Any]:
    variables = {"name": "t", "definition": definition, "ttl_attribute": "ttl", "kms_key_arn": "k"}
    expression = (
        "{hash_key = local.hash_key, range_key = local.range_key, attributes = local.attributes,"
        " gsis = local.global_secondary_indexes, billing_mode = local.billing_mode}"
    )
    return render_locals([TABLE / "schema.tf", TABLE / "variables.tf"], expression, variables)  # type: ignore[no-any-return]


def _keys(key_schema: list[dict[str, str]]) -> tuple[str, str | None]:
    by_type = {k["KeyType"]: k["AttributeName"] for k in key_schema}
    return by_type["HASH"], by_type.get("RANGE")


@pytest.mark.parametrize("settings_field", sorted(TABLE_SCHEMAS))
def test_terraform_builds_the_table_the_code_defines(settings_field: str) -> None:
    """Given a service's TABLE, when the table module's schema.tf translates it, then the keys,
    attributes and GSIs (keys and projection) are the code's."""
    if TERRAFORM_BIN is None:
        pytest.skip("terraform is not installed")
    schema = _schema(settings_field)

    rendered = _render(schema)

    assert (rendered["hash_key"], rendered["range_key"]) == _keys(schema["KeySchema"])
    assert {(a["name"], a["type"]) for a in rendered["attributes"]} == {
        (a["AttributeName"], a["AttributeType"]) for a in schema["AttributeDefinitions"]
    }
    assert {(g["name"], g["hash_key"], g["range_key"], g["projection_type"]) for g in rendered["gsis"]} == {
        (g["IndexName"], *_keys(g["KeySchema"]), g["Projection"]["ProjectionType"])
        for g in schema.get("GlobalSecondaryIndexes", [])
    }
    assert rendered["billing_mode"] == "PAY_PER_REQUEST"


def test_every_table_of_the_code_is_created_from_tables_json() -> None:
    """Given the stack, then one table module per tables.json entry, which holds every table
    the code defines, with the entry's definition and TTL attribute."""
    import json

    table = modules(STACK)["table"]
    tables = json.loads((STACK / "tables.json").read_text(encoding="utf-8"))["tables"]

    assert table["for_each"] == "${local.tables}"
    assert table["definition"] == "${each.value.definition}"
    assert table["ttl_attribute"] == "${each.value.ttlAttribute}"
    assert set(tables) == {table_key(field) for field in TABLE_SCHEMAS}


def test_table_module_turns_on_recovery_encryption_and_ttl_where_declared() -> None:
    """Given the table module, then it is on-demand with point-in-time recovery, KMS
    encryption with the customer managed key, and TTL enabled on the code's TTL attribute
    only when the code declares one."""
    table = resources(TABLE, "aws_dynamodb_table")["this"]

    assert table["billing_mode"] == "${local.billing_mode}"
    assert one(table["point_in_time_recovery"])["enabled"] is True
    assert one(table["server_side_encryption"]) == {"enabled": True, "kms_key_arn": "${var.kms_key_arn}"}
    assert table["deletion_protection_enabled"] == "${var.deletion_protection}"
    dynamic = {kind: block for entry in table["dynamic"] for kind, block in entry.items()}
    assert dynamic["attribute"]["for_each"] == "${local.attributes}"
    assert dynamic["global_secondary_index"]["for_each"] == "${local.global_secondary_indexes}"
    assert dynamic["ttl"]["for_each"] == "${var.ttl_attribute == null ? [] : [var.ttl_attribute]}"
    assert one(dynamic["ttl"]["content"]) == {"enabled": True, "attribute_name": "${ttl.value}"}
    assert "ttl" not in table


@pytest.mark.parametrize(("environment", "protected"), [("dev", False), ("sit", False), ("prod", True)])
def test_only_prod_protects_tables_and_users_against_deletion(environment: str, protected: bool) -> None:
    """Given an environment's definition, then it is protected in prod only, its protection
    is the stack's deletion protection, and the stack passes it to every table and the user
    pool."""
    assert definition(environment)["protected"] is protected
    assert modules(ENVIRONMENTS / environment)["stack"]["deletion_protection"] == "${local.environment.protected}"
    assert modules(STACK)["table"]["deletion_protection"] == "${var.deletion_protection}"
    assert modules(STACK)["cognito"]["deletion_protection"] == "${var.deletion_protection}"
