"""The AWS clients a zip's code creates, and where their service models come from.

botocore loads a service's model (`botocore/data/<service>/<version>/service-2.json.gz`) and its
endpoint rules (`endpoint-rule-set-1.json.gz`) only when a client for it is created — so a zip
missing `botocore/data/sqs` imports fine and fails at the first order (UnknownServiceError,
seen as a 503). Every `client("<service>")` and `resource("<service>")` call with a literal
service name in the project's code is found with `ast`; `verify` checks the zip (or, for a
`--no-bundle-boto3` zip, the runtime's pinned boto3) has each model and its endpoint rules, and
the booted function creates each client for real.

The runtime's boto3 (`targets.RuntimeSdk`) is installed for the target with uv into the
packaging cache, once per version, so a `--no-bundle-boto3` zip is verified against it.
"""

from __future__ import annotations

import ast
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from bbws.delivery.dependencies import PackagingError, UvInstaller, find_uv
from bbws.delivery.targets import Target

_FACTORIES = {"client", "resource"}


def created_clients(sources: Mapping[str, str]) -> set[tuple[str, str]]:
    """("client" | "resource", service) for every factory call with a literal service name."""
    found: set[tuple[str, str]] = set()
    for source in sources.values():
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue  # the boot reports it in the runtime's words
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            first = node.args[0]
            if name in _FACTORIES and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add((name, first.value))
    return found


def _has(names: set[str], prefix: str, stem: str) -> bool:
    return any(name.startswith(prefix) and name.rsplit("/", 1)[-1] in {stem, f"{stem}.gz"} for name in names)


def model_problems(clients: Iterable[tuple[str, str]], names: Iterable[str], where: str) -> list[str]:
    """Why a client of `clients` could not load its model from the files `names` (paths
    relative to a sys.path entry: the zip's root or the runtime's boto3)."""
    files = set(names)
    problems: list[str] = []
    if clients and not any(name.startswith("botocore/data/") for name in files):
        return [f"the code creates AWS clients, but botocore is not in {where}"]
    for kind, service in sorted(clients):
        prefix = f"botocore/data/{service}/"
        if not _has(files, prefix, "service-2.json"):
            problems.append(
                f"{kind}({service!r}) has no service model in {where} (missing {prefix}*/service-2.json.gz)"
            )
            continue
        if not _has(files, prefix, "endpoint-rule-set-1.json"):
            problems.append(
                f"{kind}({service!r}) has no endpoint rules in {where} ({prefix}*/endpoint-rule-set-1.json.gz)"
            )
        if kind == "resource" and not _has(files, f"boto3/data/{service}/", "resources-1.json"):
            problems.append(f"resource({service!r}) has no resource model in {where} (boto3/data/{service}/*)")
    return problems


def tree_names(root: Path) -> list[str]:
    return [path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()]


def runtime_sdk(cache_dir: Path, target: Target, uv: str | None = None) -> Path:
    """The runtime's pinned boto3 (and what it needs), installed for `target` into the cache."""
    sdk = target.runtime.sdk
    requirements = "\n".join(sdk.requirements) + "\n"
    key = hashlib.sha256(f"{requirements}{target.python_platform}{target.runtime.python_version}".encode())
    directory = cache_dir / f"runtime-sdk-{target.runtime.name}-{target.architecture.value}-{key.hexdigest()[:16]}"
    if directory.is_dir():
        return directory
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="runtime-sdk-", dir=cache_dir))
    try:
        installer = UvInstaller(cache_dir, uv or find_uv())
        installer.install(requirements, staging / "site", target, resolve=True)
        try:
            os.rename(staging / "site", directory)
        except OSError:
            if not directory.is_dir():
                raise
    except PackagingError as error:
        raise PackagingError(f"installing the runtime's boto3 {sdk.boto3} for {target.describe()}: {error}") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory
