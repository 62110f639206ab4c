"""What AWS actions a function's code can call, read statically from its modules' source.

A function's code is its handler module and every `bbws` module it imports, transitively.
Within those modules, a function or method is reached when its name is used by code already
reached, starting from the handler module (its routes and entry point) and every module's
import-time statements; reaching a class that extends another class reaches all its methods,
because the base class's framework calls them (a Jinja loader's `get_source`). Name matching
over-approximates (two methods called `get` are both reached), which errs towards granting,
never towards an AccessDenied in production; a repository method no path of this function
uses is not reached. Each boto3 call in reached
code (`table.get_item(...)`, `aws.sqs().send_message(...)`, ...) maps to the IAM action that
authorises it, so the tests hold `LambdaFunction.aws_actions` (and through it the Terraform
policies) against the code.
"""

from __future__ import annotations

import ast
import importlib.util
from functools import cache
from pathlib import Path

# boto3 method -> the IAM actions that authorise it.
METHOD_ACTIONS: dict[str, frozenset[str]] = {
    "get_item": frozenset({"dynamodb:GetItem"}),
    "put_item": frozenset({"dynamodb:PutItem"}),
    "update_item": frozenset({"dynamodb:UpdateItem"}),
    "delete_item": frozenset({"dynamodb:DeleteItem"}),
    "query": frozenset({"dynamodb:Query"}),
    "scan": frozenset({"dynamodb:Scan"}),
    "batch_get_item": frozenset({"dynamodb:BatchGetItem"}),
    "batch_write_item": frozenset({"dynamodb:BatchWriteItem"}),
    "transact_get_items": frozenset({"dynamodb:GetItem"}),
    "send_message": frozenset({"sqs:SendMessage"}),
    "send_message_batch": frozenset({"sqs:SendMessage"}),
    "get_object": frozenset({"s3:GetObject"}),
    "put_object": frozenset({"s3:PutObject"}),
    # SESv2 SendEmail; with raw MIME content IAM also checks ses:SendRawEmail.
    "send_email": frozenset({"ses:SendEmail"}),
    "get_suppressed_destination": frozenset({"ses:GetSuppressedDestination"}),
    "put_suppressed_destination": frozenset({"ses:PutSuppressedDestination"}),
    "get_secret_value": frozenset({"secretsmanager:GetSecretValue"}),
}

# TransactWriteItems is authorised per operation inside it.
TRANSACT_OPERATIONS: dict[str, str] = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}

# Library classes that call AWS on the function's behalf.
LIBRARY_ACTIONS: dict[str, frozenset[str]] = {
    # Powertools idempotency on DynamoDB: get, conditional put, update and delete of records.
    "DynamoDBPersistenceLayer": frozenset(
        {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    ),
}


def _source(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:
        return None
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def _imports(tree: ast.AST, module: str) -> set[str]:
    found: set[str] = set()
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "bbws" or name.startswith("bbws.")}


@cache
def _parse(module: str) -> ast.Module | None:
    path = _source(module)
    return ast.parse(path.read_text(encoding="utf-8")) if path else None


def modules_of(handler_module: str) -> set[str]:
    """The handler's module and every bbws module it reaches through imports."""
    seen: set[str] = set()
    pending = [handler_module]
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        tree = _parse(module)
        if tree is None:
            continue
        seen.add(module)
        pending.extend(_imports(tree, module) - seen)
    return seen


def _actions_in(node: ast.AST) -> set[str]:
    """The actions of the boto3 calls and AWS-calling library classes directly in `node`."""
    actions: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
            method = child.func.attr
            actions |= METHOD_ACTIONS.get(method, frozenset())
            if method == "send_email" and _has_raw_content(child):
                actions.add("ses:SendRawEmail")
            if method == "transact_write_items":
                actions |= _transact_actions(child)
        elif isinstance(child, ast.Name) and child.id in LIBRARY_ACTIONS:
            actions |= LIBRARY_ACTIONS[child.id]
    return actions


def _names_used(node: ast.AST) -> set[str]:
    names: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            names.add(child.id)
        elif isinstance(child, ast.Attribute):
            names.add(child.attr)
    return names


def _extends_something(node: ast.ClassDef) -> bool:
    bases = {b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else "" for b in node.bases}
    return bool(bases - {"object", "Protocol", "StrEnum", "Enum"})


def _import_time(tree: ast.Module) -> list[ast.stmt]:
    """Module statements that run at import (everything but definitions' bodies)."""
    return [stmt for stmt in tree.body if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]


def _class_time(tree: ast.Module) -> list[ast.AST]:
    """Class bodies' own statements and decorators, which run when the class is defined."""
    parts: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            parts.extend(node.decorator_list)
            parts.extend(s for s in node.body if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef))
    return parts


def _has_raw_content(call: ast.Call) -> bool:
    return any(isinstance(n, ast.Constant) and n.value == "Raw" for n in ast.walk(call))


def _transact_actions(call: ast.Call) -> set[str]:
    keys = {n.value for n in ast.walk(call) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    return {action for key, action in TRANSACT_OPERATIONS.items() if key in keys}


# SnapStart priming's calls are answered inside botocore before anything is signed or sent (its
# stub; tests/unit/core/test_priming.py proves none leaves the process), so they need no
# permission: the module's code is not read for actions.
UNSENT_MODULE = "bbws.core.priming"


def actions_called(handler_module: str) -> set[str]:
    """Every IAM action the function's reachable code may need."""
    definitions: dict[str, list[ast.AST]] = {}
    roots: list[ast.AST] = []
    for module in sorted(modules_of(handler_module) - {UNSENT_MODULE}):
        tree = _parse(module)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                definitions.setdefault(node.name, []).append(node)
            elif isinstance(node, ast.ClassDef) and _extends_something(node):
                # The class itself stands for all its methods (framework hooks included).
                definitions.setdefault(node.name, []).append(node)
        roots.extend(_import_time(tree))
        roots.extend(_class_time(tree))
        if module == handler_module:
            # Routes and handlers are registered by decorators: all of them are entry points.
            roots.extend(n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))

    actions: set[str] = set()
    seen: set[int] = set()
    pending = list(roots)
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        actions |= _actions_in(node)
        for name in _names_used(node):
            pending.extend(d for d in definitions.get(name, []) if id(d) not in seen)
    return actions


def missing_modules(handler_module: str) -> bool:
    """True while the handler module itself does not exist yet."""
    return _source(handler_module) is None
