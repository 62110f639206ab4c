"""The environments (SPEC §6), their order of promotion, and the guard every AWS action passes.

Before any command touches AWS it asks STS who the caller is; if the account is not the
environment's, it stops. Credentials pointing at the wrong account are the most likely way a
deployment goes where it should not, so the check is not optional and has no override flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3

ALIAS = "live"  # the alias API Gateway and the event source mappings invoke


class GuardError(Exception):
    """A safety rule refused the command; the message says which and why."""


@dataclass(frozen=True)
class Environment:
    name: str
    account_id: str
    region: str
    previous: str | None  # the stage whose passed artifact this one may receive
    protected: bool = False  # never destroyed by the tooling

    @property
    def artifacts_bucket(self) -> str:
        """The bucket holding artifacts (by sha256) and the records of what passed here."""
        return f"bbws-artifacts-{self.account_id}-{self.region}"

    def function_name(self, function: str) -> str:
        """The deployed Lambda function's name for one of the seven functions."""
        return f"bbws-{self.name}-{function}"


ENVIRONMENTS: dict[str, Environment] = {
    "dev": Environment("dev", "536580886816", "eu-west-1", previous=None),
    "sit": Environment("sit", "815856636111", "eu-west-1", previous="dev"),
    "prod": Environment("prod", "093646564004", "af-south-1", previous="sit", protected=True),
}
PROTECTED_ACCOUNTS = frozenset(env.account_id for env in ENVIRONMENTS.values() if env.protected)


def environment(name: str, environments: dict[str, Environment] | None = None) -> Environment:
    table = ENVIRONMENTS if environments is None else environments
    key = name.strip().lower()
    if key not in table:
        raise GuardError(f"unknown environment {name!r}; known: {', '.join(table)}")
    return table[key]


def session_for(env: Environment) -> boto3.session.Session:
    return boto3.session.Session(region_name=env.region)


def require_account(env: Environment, session: boto3.session.Session) -> str:
    """Refuse unless the caller's credentials belong to `env`'s account. Returns the caller ARN."""
    sts: Any = session.client("sts", region_name=env.region)
    identity = sts.get_caller_identity()
    account = str(identity["Account"])
    if account != env.account_id:
        raise GuardError(
            f"refusing to act on {env.name}: the credentials belong to account {account}, "
            f"but {env.name} is account {env.account_id}",
        )
    return str(identity["Arn"])


def refuse_destroy(env: Environment, caller_account: str | None = None) -> None:
    """Destroying a protected environment is refused whatever the spelling of its name, and
    whatever environment is named when the credentials are the protected account's."""
    if env.protected or env.account_id in PROTECTED_ACCOUNTS:
        raise GuardError(f"refusing to destroy {env.name}: it is protected and the tooling never destroys it")
    if caller_account is not None and caller_account in PROTECTED_ACCOUNTS:
        raise GuardError(f"refusing to destroy anything with credentials of the protected account {caller_account}")
