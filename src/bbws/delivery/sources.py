"""Which of the project's own modules a function needs, computed from its imports.

A function's zip holds its service package, `bbws.core`, and every `bbws` module those import,
followed transitively: so orders takes the products service's `read` module (and what it
imports) but none of products' handlers. Imports are read with `ast`, including imports inside
function bodies; imports under `if TYPE_CHECKING:` are skipped because they never run.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bbws.core.functions import LambdaFunction
from bbws.delivery.dependencies import PackagingError

ROOT_PACKAGE = "bbws"
_SKIPPED_DIRS = {"__pycache__"}
_SKIPPED_SUFFIXES = {".pyc", ".pyo"}


@dataclass
class SourceSelection:
    """The project files one function needs and the third-party top-level modules they import."""

    files: dict[str, Path] = field(default_factory=dict)  # archive name -> file on disk
    third_party: dict[str, set[str]] = field(default_factory=dict)  # top-level module -> importers


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_names(source: str, module: str, *, is_package: bool) -> set[str]:
    """Every module name the code may import (absolute, dotted). `from a import b` yields both
    `a` and `a.b`, because `b` may be a submodule; callers keep the names that exist."""
    tree = ast.parse(source)
    names: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for branch in node.orelse:
                visit(branch)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base_parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*base_parts, node.module] if node.module else base_parts)
            else:
                base = node.module or ""
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def _module_file(src_root: Path, module: str) -> tuple[Path, bool] | None:
    """The file defining `module` under `src_root`, and whether it is a package."""
    base = src_root.joinpath(*module.split("."))
    if (base / "__init__.py").is_file():
        return base / "__init__.py", True
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py"), False
    return None


def _package_modules(src_root: Path, package: str) -> list[str]:
    """Every module inside a package directory, sorted."""
    directory = src_root.joinpath(*package.split("."))
    modules: list[str] = []
    for path in sorted(directory.rglob("*.py")):
        if _SKIPPED_DIRS & set(path.relative_to(src_root).parts):
            continue
        relative = path.relative_to(src_root).with_suffix("")
        parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
        modules.append(".".join(parts))
    return modules


def _resource_files(src_root: Path, package_dir: Path) -> dict[str, Path]:
    """Non-Python files that live beside a package's modules (schemas, templates, py.typed)."""
    found: dict[str, Path] = {}
    for path in sorted(package_dir.iterdir()):
        # Hidden files (.DS_Store, editor swap files) are a checkout's, not the project's.
        if path.is_file() and path.suffix not in {".py", *_SKIPPED_SUFFIXES} and not path.name.startswith("."):
            found[path.relative_to(src_root).as_posix()] = path
    return found


def select_sources(
    src_root: Path, function: LambdaFunction, parsed: dict[Path, set[str]] | None = None
) -> SourceSelection:
    """The project modules `function` needs: its service package, `bbws.core`, its handler, and
    everything they import from `bbws`, transitively. `parsed` shares parsed imports between
    the functions of one build."""
    parsed = {} if parsed is None else parsed
    if _module_file(src_root, function.module) is None:
        raise PackagingError(f"{function.name}: handler module {function.module} not found under {src_root}")
    pending = [function.module]
    for package in (f"{ROOT_PACKAGE}.{function.service}", f"{ROOT_PACKAGE}.core"):
        if _module_file(src_root, package) is not None:
            pending.extend(_package_modules(src_root, package))
    selection = SourceSelection()
    seen: set[str] = set()
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        located = _module_file(src_root, module)
        if located is None:
            continue  # an attribute imported with `from package import name`, not a module
        path, is_package = located
        selection.files[path.relative_to(src_root).as_posix()] = path
        if is_package:
            selection.files.update(_resource_files(src_root, path.parent))
        parent = module.rpartition(".")[0]
        if parent:
            pending.append(parent)  # importing a.b.c runs a/__init__ and a/b/__init__ first
        if path not in parsed:
            parsed[path] = imported_names(path.read_text(encoding="utf-8"), module, is_package=is_package)
        own, third_party = _split_imports(parsed[path])
        pending.extend(own)
        for top in third_party:
            selection.third_party.setdefault(top, set()).add(path.relative_to(src_root).as_posix())
    return selection


def _split_imports(names: set[str]) -> tuple[list[str], set[str]]:
    """The project's own modules among `names`, and the top-level third-party modules."""
    own: list[str] = []
    third_party: set[str] = set()
    for name in sorted(names):
        top = name.split(".", 1)[0]
        if top == ROOT_PACKAGE:
            own.append(name)
        elif top and top not in sys.stdlib_module_names:
            third_party.add(top)
    return own, third_party
