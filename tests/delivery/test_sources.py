"""Which project modules a function's zip takes: its service, core, and what they import."""

from __future__ import annotations

from pathlib import Path

import pytest

from bbws.core.functions import LambdaFunction, Trigger
from bbws.delivery.dependencies import PackagingError
from bbws.delivery.sources import imported_names, select_sources

ORDERS = LambdaFunction("orders-api", "orders", "bbws.orders.handlers.api:lambda_handler", Trigger.API, frozenset())


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def src(tmp_path: Path) -> Path:
    return _tree(
        tmp_path / "src",
        {
            "bbws/__init__.py": "",
            "bbws/core/__init__.py": "",
            "bbws/core/api.py": "import pydantic\nfrom aws_lambda_powertools import Logger\n",
            "bbws/orders/__init__.py": "",
            "bbws/orders/handlers/__init__.py": "",
            "bbws/orders/handlers/api.py": (
                "from typing import TYPE_CHECKING\n"
                "from bbws.core.api import x\n"
                "from ..logic import pricing\n"
                "if TYPE_CHECKING:\n    import mypy_boto3_sqs\nelse:\n    import json\n"
                "def later():\n    import jinja2\n"
            ),
            "bbws/orders/logic/__init__.py": "",
            "bbws/orders/logic/pricing.py": "from bbws.products import read\n",
            "bbws/products/__init__.py": "",
            "bbws/products/read.py": "from bbws.products.dal import items\n",
            "bbws/products/dal/__init__.py": "",
            "bbws/products/dal/items.py": "import boto3\n",
            "bbws/products/dal/schema.json": "{}",
            "bbws/products/handlers/__init__.py": "",
            "bbws/products/handlers/api.py": "import requests\n",
            "bbws/local/__init__.py": "import moto\n",
        },
    )


def test_a_function_takes_its_service_core_and_the_read_modules_it_imports(src: Path) -> None:
    # When the orders function's sources are selected
    selection = select_sources(src, ORDERS)
    # Then it has its own service, core, and the products read module with what that imports
    assert set(selection.files) == {
        "bbws/__init__.py",
        "bbws/core/__init__.py",
        "bbws/core/api.py",
        "bbws/orders/__init__.py",
        "bbws/orders/handlers/__init__.py",
        "bbws/orders/handlers/api.py",
        "bbws/orders/logic/__init__.py",
        "bbws/orders/logic/pricing.py",
        "bbws/products/__init__.py",
        "bbws/products/read.py",
        "bbws/products/dal/__init__.py",
        "bbws/products/dal/items.py",
        "bbws/products/dal/schema.json",
    }
    # And not another service's handlers, nor the local stack


def test_third_party_imports_are_collected_with_their_importers(src: Path) -> None:
    selection = select_sources(src, ORDERS)
    # Imports inside functions count; TYPE_CHECKING-only imports and the standard library do not
    assert set(selection.third_party) == {"pydantic", "aws_lambda_powertools", "boto3", "jinja2"}
    assert selection.third_party["boto3"] == {"bbws/products/dal/items.py"}


def test_relative_imports_are_resolved_against_the_package() -> None:
    names = imported_names("from . import a\nfrom ..b import c\n", "bbws.x.y.mod", is_package=False)
    assert {"bbws.x.y", "bbws.x.y.a", "bbws.x.b", "bbws.x.b.c"} <= names


def test_a_missing_handler_module_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match=r"orders-api: handler module bbws\.orders\.handlers\.api not found"):
        select_sources(_tree(tmp_path, {"bbws/__init__.py": ""}), ORDERS)
