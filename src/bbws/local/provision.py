"""Creates every AWS resource the platform uses in an emulator (moto) and names them.

The key schemas come from each service's `dal/schema.py`, the same definitions the Terraform
checks compare against, so the emulator's tables are the deployed tables.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

import boto3

# settings field -> module whose TABLE is that table's definition (create_table keyword
# arguments without TableName). A service that owns a table adds itself here.
TABLE_SCHEMAS: dict[str, str] = {
    "products_table_name": "bbws.products.dal.schema",
    "campaigns_table_name": "bbws.campaigns.dal.schema",
}


@dataclass
class Resources:
    """Names and URLs of what `provision` created, as the settings model's fields."""

    settings: dict[str, str] = field(default_factory=dict)

    def environ(self) -> dict[str, str]:
        from bbws.core.settings import ENV_NAMES

        return {ENV_NAMES[name]: value for name, value in self.settings.items()}


def table_schema(settings_field: str) -> dict[str, Any]:
    module = importlib.import_module(TABLE_SCHEMAS[settings_field])
    return dict(module.TABLE)


def provision(prefix: str = "bbws-local", region: str = "eu-west-1") -> Resources:
    """Create the tables (and, as services add them, queues and buckets) and return their names."""
    resources = Resources()
    dynamodb = boto3.client("dynamodb", region_name=region)
    for settings_field in TABLE_SCHEMAS:
        name = f"{prefix}-{settings_field.removesuffix('_table_name').replace('_', '-')}"
        schema = table_schema(settings_field)
        dynamodb.create_table(TableName=name, **schema)
        resources.settings[settings_field] = name
    return resources
