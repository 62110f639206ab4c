"""A function module whose own import fails (for the local Lambda runner's tests)."""

import bbws_this_dependency_does_not_exist  # noqa: F401


def handler(event: object, context: object) -> None:
    return None
