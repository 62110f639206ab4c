"""The committed OpenAPI documents are exactly what the code generates (run `make openapi`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bbws.delivery.openapi import generate

OPENAPI_DIR = Path(__file__).resolve().parents[2] / "openapi"
GENERATED = generate()


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_committed_document_matches_the_code(name: str) -> None:
    committed = OPENAPI_DIR / name
    assert committed.is_file(), f"openapi/{name} is missing: run `make openapi`"
    assert committed.read_text(encoding="utf-8") == GENERATED[name], f"openapi/{name} drifted: run `make openapi`"


def test_no_committed_document_lacks_a_service() -> None:
    assert {path.name for path in OPENAPI_DIR.glob("*.json")} <= set(GENERATED)
