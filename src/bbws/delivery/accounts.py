"""The environments (SPEC §6), their order of promotion, and the guard every AWS action passes.

Each environment is defined once, in `infra/terraform/environments/<env>/environment.tf.json`
(account, region, state backend, promotion, protection, sizes): Terraform reads that file as
part of the environment's root, this module reads it for the guard, and the workflows read it
through `bbws environments`. Nothing else names an account.

Before any command touches AWS it asks STS who the caller is; if the account is not the
environment's, it stops. Credentials pointing at the wrong account are the most likely way a
deployment goes where it should not, so the check is not optional and has no override flag.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

ALIAS = "live"  # the alias API Gateway and the event source mappings invoke
DEFINITION_FILE = "environment.tf.json"
# The repository's environments (the CLI runs from a checkout, see commands._project_root).
ENVIRONMENTS_DIR = Path(__file__).resolve().parents[3] / "infra" / "terraform" / "environments"


class GuardError(Exception):
    """A safety rule refused the command; the message says which and why."""


@dataclass(frozen=True)
class ReleaseBackups:
    """Pre-release backups of the tables (`release_backups` in the definition; docs/operations.md)."""

    before_release: bool  # a release takes them, waits for them and refuses to shift without them
    retention_days: int  # older ones are deleted once a newer set is taken (the newest always kept)


@dataclass(frozen=True)
class Environment:
    name: str
    account_id: str
    region: str
    previous: str | None  # the stage whose passed artifact this one may receive
    protected: bool = False  # never destroyed by the tooling
    settings: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)
    release_backups: ReleaseBackups | None = None

    @property
    def artifacts_bucket(self) -> str:
        """The bucket holding artifacts (by sha256) and the records of what passed here."""
        return f"bbws-artifacts-{self.account_id}-{self.region}"

    @property
    def state_bucket(self) -> str:
        """The bucket of the environment's Terraform state (infra/terraform/bootstrap)."""
        return f"bbws-tfstate-{self.account_id}"

    @property
    def state_key(self) -> str:
        return f"bbws/{self.name}/terraform.tfstate"

    @property
    def deploy_role_arn(self) -> str:
        """The role the workflows assume by OIDC (infra/terraform/bootstrap/deploy_role.tf)."""
        return f"arn:aws:iam::{self.account_id}:role/bbws-github-deploy-{self.name}"

    def function_name(self, function: str) -> str:
        """The deployed Lambda function's name for one of the seven functions."""
        return f"bbws-{self.name}-{function}"


class DefinitionError(ValueError):
    """An environment's definition file is missing something or contradicts itself."""


_NAME = re.compile(r"^[a-z][a-z0-9]{1,9}$")  # part of every resource name (stack variable "environment")
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


def _release_backups(raw: Any) -> ReleaseBackups | None:
    if raw is None:
        return None
    days = raw["retention_days"]
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 3650:
        raise ValueError(f"release_backups.retention_days must be 1-3650 days, not {days!r}")
    return ReleaseBackups(before_release=bool(raw["before_release"]), retention_days=days)


def read_definition(path: Path) -> Environment:
    """One environment from its environment.tf.json, checked: the name is its directory's, the
    account and region are well formed, and the S3 backend is the account's own state bucket
    in that region with its lock file (a backend cannot use variables, so it repeats them)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        env = document["locals"]["environment"]
        backend = document["terraform"]["backend"]["s3"]
        found = Environment(
            name=str(env["name"]),
            account_id=str(env["account_id"]),
            region=str(env["region"]),
            previous=env["promoted_from"],
            protected=bool(env["protected"]),
            settings={key: value for key, value in env["settings"].items() if key != "//"},
            release_backups=_release_backups(env.get("release_backups")),
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DefinitionError(f"{path}: not an environment definition ({type(error).__name__}: {error})") from error
    expected = {
        "name": (found.name, path.parent.name),
        "account_id": (bool(_ACCOUNT.match(found.account_id)), True),
        "region": (bool(_REGION.match(found.region)), True),
        "backend bucket": (backend.get("bucket"), found.state_bucket),
        "backend key": (backend.get("key"), found.state_key),
        "backend region": (backend.get("region"), found.region),
        "backend encrypt": (backend.get("encrypt"), True),
        "backend use_lockfile": (backend.get("use_lockfile"), True),
    }
    wrong = [f"{what} is {got!r}, expected {want!r}" for what, (got, want) in expected.items() if got != want]
    if not _NAME.match(found.name):
        wrong.append(f"name {found.name!r} must be 2-10 lower-case letters or digits, starting with a letter")
    if wrong:
        raise DefinitionError(f"{path}: " + "; ".join(wrong))
    return found


def load_environments(directory: Path = ENVIRONMENTS_DIR) -> dict[str, Environment]:
    """Every environment defined under `directory`, in promotion order (a stage after the one
    it is promoted from)."""
    found = {env.name: env for env in map(read_definition, sorted(directory.glob(f"*/{DEFINITION_FILE}")))}
    for env in found.values():
        if env.previous is not None and env.previous not in found:
            raise DefinitionError(f"{env.name} is promoted from {env.previous!r}, which is not defined")
    ordered: dict[str, Environment] = {}
    while len(ordered) < len(found):
        ready = [e for e in found.values() if e.name not in ordered and (e.previous is None or e.previous in ordered)]
        if not ready:
            raise DefinitionError(f"promotion order has a cycle among {sorted(set(found) - set(ordered))}")
        ordered.update((e.name, e) for e in ready)
    return ordered


ENVIRONMENTS: dict[str, Environment] = load_environments()
PROTECTED_ACCOUNTS = frozenset(env.account_id for env in ENVIRONMENTS.values() if env.protected)


def environment(name: str, environments: dict[str, Environment] | None = None) -> Environment:
    table = ENVIRONMENTS if environments is None else environments
    key = name.strip().lower()
    if key not in table:
        known = ", ".join(table) or f"none (no */{DEFINITION_FILE} under {ENVIRONMENTS_DIR})"
        raise GuardError(f"unknown environment {name!r}; known: {known}")
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
