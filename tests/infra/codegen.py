"""The JSON files Terraform reads, generated from the code's own tables so there is no second list.

`infra/terraform/modules/api/routes.json` comes from `bbws.core.routes.ROUTES` and
`infra/terraform/stack/tables.json` from each service's `dal/schema.py`. Regenerate with
`.venv/bin/python -m tests.infra.codegen`; `tests/infra/test_codegen.py` fails when they drift.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from bbws.core.routes import BASE_PATH, ROUTES
from bbws.local.provision import TABLE_SCHEMAS

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "infra" / "terraform"
ROUTES_JSON = TERRAFORM / "modules" / "api" / "routes.json"
TABLES_JSON = TERRAFORM / "stack" / "tables.json"


def routes_document() -> dict[str, Any]:
    """Every route of the API as the `api` module's OpenAPI body is built from it."""
    return {
        "basePath": BASE_PATH,
        "routes": [
            {"method": r.method, "path": r.full_path, "function": r.function, "access": str(r.access)} for r in ROUTES
        ],
    }


def table_key(settings_field: str) -> str:
    """The logical name of a table (`orders_table_name` -> `orders`), also its name suffix."""
    return settings_field.removesuffix("_table_name")


def tables_document() -> dict[str, Any]:
    """Each table's create_table definition and TTL attribute, as `dal/schema.py` declares them."""
    tables: dict[str, Any] = {}
    for settings_field, module_name in sorted(TABLE_SCHEMAS.items()):
        module = importlib.import_module(module_name)
        tables[table_key(settings_field)] = {
            "settingsField": settings_field,
            "definition": module.TABLE,
            # TTL only where the code declares the attribute it expires items by: a table with TTL
            # on an attribute nothing writes is configuration the code does not back.
            "ttlAttribute": getattr(module, "TTL_ATTRIBUTE", None),
        }
    return {"tables": tables}


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main() -> None:
    for path, document in ((ROUTES_JSON, routes_document()), (TABLES_JSON, tables_document())):
        path.write_text(render(document), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
