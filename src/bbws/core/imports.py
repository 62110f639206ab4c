"""Import one module of a Powertools package without running the package's `__init__`.

`aws_lambda_powertools.event_handler/__init__.py` imports every resolver (AppSync, Bedrock,
VPC Lattice, ...) and `utilities/data_classes/__init__.py` every event class (CodePipeline's
loads zipfile, tempfile, bz2 and lzma), although a
function uses one resolver and one or two event shapes; Python runs a package's `__init__`
before any of its modules, so `from ...event_handler.api_gateway import X` pays for all of
them. Nothing in Powertools offers a narrower import, hence this small piece of our own.

`defer_package_init(name)` puts a stand-in for the package into `sys.modules`: importing a
module inside it (`name.api_gateway`) loads that module only; a name the real `__init__`
re-exports (`from name import Response`, which Powertools' own `openapi.params` does) loads
just the module it comes from (read from the `__init__`'s `from .x import y` lines); any other
attribute runs the real `__init__` into the same module object, so code that imports from the
package behaves exactly as before, only later and for less.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

# event_handler's `api_gateway` imports five event classes from data_classes' `__init__`, which
# would load all forty; deferred, each comes from its own module (data_classes' own modules
# that import from the package, `sqs_event` for one, get their names the same way).
DEFERRED = ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes")


def defer_package_init(name: str) -> None:
    if name in sys.modules:  # already imported for real: nothing left to save
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    module = importlib.util.module_from_spec(spec)
    loader = spec.loader
    state = {"loaded": False}
    sources = _re_exports(name, spec.origin)

    def __getattr__(attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        if not state["loaded"] and attribute in sources:  # a re-export: load its module only
            value = getattr(importlib.import_module(sources[attribute]), attribute)
            # Bound as the real `__init__` binds it: a re-export named like its own module
            # (data_classes' `event_source` function) replaces the submodule that importing
            # it has just set on the package.
            module.__dict__[attribute] = value
            return value
        if not state["loaded"] and importlib.util.find_spec(f"{name}.{attribute}") is not None:
            return importlib.import_module(f"{name}.{attribute}")  # `from package import module`
        if not state["loaded"]:
            state["loaded"] = True
            loader.exec_module(module)
        try:
            return module.__dict__[attribute]
        except KeyError:
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}") from None

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)


def _re_exports(package: str, init_file: str | None) -> dict[str, str]:
    """name -> module for each `from <module> import <name>` of the package's `__init__`."""
    if not init_file:
        return {}
    sources: dict[str, str] = {}
    for node in ast.parse(Path(init_file).read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            module = node.module if node.level == 0 else f"{package}.{node.module}"
            sources.update({alias.asname or alias.name: module for alias in node.names})
    return sources


def defer_all() -> None:
    for name in DEFERRED:
        defer_package_init(name)
