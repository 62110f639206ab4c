"""Locked dependencies: the lock's graph, per-function selection, and the install cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from bbws.delivery.dependencies import (
    Distribution,
    LockGraph,
    PackagingError,
    cached_site,
    distributions_for,
    normalize,
    requirement_names,
    scan_site,
)
from bbws.delivery.targets import Target

from .conftest import REPO_ROOT


@pytest.fixture(scope="module")
def graph() -> LockGraph:
    return LockGraph.load(REPO_ROOT / "uv.lock")


def test_the_extras_the_project_asks_for_come_with_their_package(graph: LockGraph) -> None:
    # powertools is required with [tracer,validation]: its closure includes both extras
    closure = graph.closure(["aws_lambda_powertools"])
    assert {"aws-xray-sdk", "fastjsonschema", "jmespath", "typing-extensions"} <= closure
    assert "jinja2" not in closure


def test_the_project_requirements_are_read_from_the_lock(graph: LockGraph) -> None:
    assert {"aws-lambda-powertools", "pydantic", "boto3", "jinja2"} <= graph.project_requirements
    assert "moto" not in graph.project_requirements


def _installed() -> dict[str, Distribution]:
    return {
        "pydantic": Distribution("pydantic", "2", ["pydantic/__init__.py"], {"pydantic"}),
        "pydantic-core": Distribution("pydantic-core", "2", ["pydantic_core/__init__.py"], {"pydantic_core"}),
        "typing-extensions": Distribution("typing-extensions", "4", ["typing_extensions.py"], {"typing_extensions"}),
        "typing-inspection": Distribution("typing-inspection", "0", [], {"typing_inspection"}),
        "annotated-types": Distribution("annotated-types", "0", [], {"annotated_types"}),
        "boto3": Distribution("boto3", "1", [], {"boto3"}),
        "botocore": Distribution("botocore", "1", [], {"botocore"}),
    }


def test_an_import_reaches_its_distribution_and_dependencies(graph: LockGraph) -> None:
    found = distributions_for({"pydantic": {"a.py"}}, _installed(), graph, bundle_runtime_provided=True)
    assert [d.name for d in found] == [
        "annotated-types",
        "pydantic",
        "pydantic-core",
        "typing-extensions",
        "typing-inspection",
    ]


def test_boto3_can_be_left_to_the_runtime(graph: LockGraph) -> None:
    found = distributions_for({"boto3": {"a.py"}}, _installed(), graph, bundle_runtime_provided=False)
    assert found == []


def test_an_import_no_runtime_dependency_provides_names_the_importing_file(graph: LockGraph) -> None:
    with pytest.raises(PackagingError, match=r"bbws/x\.py: imports 'requests', which no runtime dependency"):
        distributions_for({"requests": {"bbws/x.py"}}, _installed(), graph, bundle_runtime_provided=True)


def test_requirement_names_are_normalised() -> None:
    text = "Typing_Extensions==4.0\nsix==1 ; python_version < '4'\n# comment\n"
    assert requirement_names(text) == {"typing-extensions", "six"}
    assert normalize("Ruamel.Yaml_Clib") == "ruamel-yaml-clib"


class _FakeInstaller:
    def __init__(self) -> None:
        self.calls = 0

    def identity(self) -> str:
        return "fake 1"

    def install(self, requirements: str, destination: Path, target: Target) -> None:  # noqa: ARG002
        self.calls += 1
        (destination / "demo").mkdir(parents=True)
        (destination / "demo" / "__init__.py").write_text("")
        info = destination / "demo-1.0.dist-info"
        info.mkdir()
        (info / "RECORD").write_text(
            "demo/__init__.py,,\ndemo/__pycache__/x.pyc,,\nbin/demo,,\ndemo-1.0.dist-info/RECORD,,\n"
        )


def test_the_installed_tree_is_cached_by_requirements_and_target(tmp_path: Path) -> None:
    installer = _FakeInstaller()
    target = Target.of()
    first, cached_first = cached_site(tmp_path, "demo==1.0\n", target, installer)
    second, cached_second = cached_site(tmp_path, "demo==1.0\n", target, installer)
    other, _ = cached_site(tmp_path, "demo==1.0\n", Target.of("python3.12", "arm64"), installer)
    assert (cached_first, cached_second) == (False, True)
    assert first == second != other
    assert installer.calls == 2
    # scripts and bytecode never count as a distribution's files
    demo = scan_site(first)["demo"]
    assert demo.files == ["demo/__init__.py", "demo-1.0.dist-info/RECORD"]
    assert demo.top_levels == {"demo"}


def test_a_distribution_without_a_record_is_refused(tmp_path: Path) -> None:
    (tmp_path / "demo-1.0.dist-info").mkdir()
    with pytest.raises(PackagingError, match="RECORD"):
        scan_site(tmp_path)
