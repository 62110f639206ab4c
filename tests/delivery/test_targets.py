"""The runtime images' table in docs/delivery.md is the one in targets.py (one source)."""

from __future__ import annotations

from bbws.delivery.targets import RUNTIMES, format_glibc

from .conftest import REPO_ROOT

NAMESPACES = ("GLIBC", "GLIBCXX", "CXXABI", "GCC", "ZLIB")


def test_the_documented_runtime_images_are_the_code_s() -> None:
    text = (REPO_ROOT / "docs" / "delivery.md").read_text(encoding="utf-8")
    rows = {
        cells[0]: cells[1:]
        for line in text.splitlines()
        if line.startswith("| python3.")
        for cells in [[cell.strip() for cell in line.strip("|").split("|")]]
    }
    assert set(rows) == set(RUNTIMES)
    for name, runtime in RUNTIMES.items():
        versions = [format_glibc(runtime.image.symbol_versions[namespace]) for namespace in NAMESPACES]
        sdk = f"{runtime.sdk.boto3} / {runtime.sdk.botocore}"
        assert rows[name] == [runtime.image.name, *versions, sdk], name
