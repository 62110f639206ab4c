"""Where a function's `live` alias sends traffic: the only thing API Gateway and the queues'
event source mappings invoke, so moving it is how a release (or a rollback) moves traffic."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from bbws.delivery.accounts import ALIAS
from bbws.delivery.progress import FunctionMove


def alias_version(lam: Any, function_name: str) -> str | None:
    try:
        return str(lam.get_alias(FunctionName=function_name, Name=ALIAS)["FunctionVersion"])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise


def restore_alias(lam: Any, function_name: str, version: str) -> None:
    """All traffic to `version`; the weighted routing to a canary removed in the same call."""
    lam.update_alias(
        FunctionName=function_name,
        Name=ALIAS,
        FunctionVersion=version,
        RoutingConfig={"AdditionalVersionWeights": {}},
    )


def shift(lam: Any, move: FunctionMove, weight: int) -> None:
    """`weight` % of the function's traffic to the new version. A first release (nothing served
    before) has nothing to split with: `live` is created at the new version and watched."""
    if move.previous is None:
        if alias_version(lam, move.function_name) is None:
            lam.create_alias(FunctionName=move.function_name, Name=ALIAS, FunctionVersion=move.version)
        else:
            restore_alias(lam, move.function_name, move.version)
    elif weight >= 100:
        restore_alias(lam, move.function_name, move.version)
    else:
        lam.update_alias(
            FunctionName=move.function_name,
            Name=ALIAS,
            FunctionVersion=move.previous,
            RoutingConfig={"AdditionalVersionWeights": {move.version: weight / 100}},
        )


def give_back(lam: Any, move: FunctionMove) -> str:
    """Undo `move`'s traffic: `live` back at the previous version with no canary weight; for a
    first release, the `live` alias it created removed again, so no traffic-bearing alias points
    at the new version. Returns what was done, for the log."""
    if move.previous is not None:
        restore_alias(lam, move.function_name, move.previous)
        return f"{move.function_name}: {ALIAS} -> version {move.previous}"
    if move.alias_created:
        try:
            lam.delete_alias(FunctionName=move.function_name, Name=ALIAS)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
        return (
            f"{move.function_name}: {ALIAS} (created by this release) removed; nothing invokes version {move.version}"
        )
    return f"{move.function_name}: no earlier version to return to; {ALIAS} left at version {move.version}"
