"""Release notices on the environment's alarm topic: a release's start, each rollback and its
completion, with the function versions, sha256s and who ran it.

The team already receives the alarm topic (`bbws-<env>-alarms`: email subscriptions from the
definition's `alarm_emails`, whatever else is subscribed), so a PROD change reaches them without
anyone reading CI logs. Each notice is a readable text (what an email subscriber sees) ending
with the same facts as JSON, and carries message attributes (`event`, `environment`, `release`)
for subscription filters. Who ran it: the GitHub Actions run (repository, workflow, run URL,
actor) when the workflow's variables are set, else the caller's ARN from STS.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from bbws.delivery.accounts import Environment, GuardError

_SUBJECT_LIMIT = 100  # SNS's limit for an email subject


class ReleaseEvent(StrEnum):
    STARTED = "release-started"
    ROLLED_BACK = "release-rolled-back"
    COMPLETED = "release-completed"


@dataclass(frozen=True)
class FunctionChange:
    function: str
    from_version: str | None
    to_version: str
    sha256: str


@dataclass(frozen=True)
class Actor:
    """Who ran the release."""

    kind: str  # github-actions | caller
    name: str  # the GitHub actor, or the caller's ARN
    run_url: str | None = None
    workflow: str | None = None


def actor_from(environ: Mapping[str, str], caller_arn: str) -> Actor:
    """The workflow run when running in GitHub Actions, else the credentials' caller."""
    run_id = environ.get("GITHUB_RUN_ID")
    repository = environ.get("GITHUB_REPOSITORY")
    if run_id and repository:
        server = environ.get("GITHUB_SERVER_URL", "https://github.com")
        attempt = environ.get("GITHUB_RUN_ATTEMPT")
        url = f"{server}/{repository}/actions/runs/{run_id}" + (f"/attempts/{attempt}" if attempt else "")
        return Actor(
            "github-actions",
            f"{environ.get('GITHUB_ACTOR', 'unknown')} as {caller_arn}",
            url,
            environ.get("GITHUB_WORKFLOW"),
        )
    return Actor("caller", caller_arn)


@dataclass(frozen=True)
class ReleaseNotice:
    event: ReleaseEvent
    environment: str
    release: str
    actor: Actor
    functions: Sequence[FunctionChange]
    detail: str = ""
    backups: Sequence[str] = field(default_factory=tuple)  # backup ARNs taken before the release
    at: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    def subject(self) -> str:
        what = {
            ReleaseEvent.STARTED: "release started",
            ReleaseEvent.ROLLED_BACK: "release ROLLED BACK",
            ReleaseEvent.COMPLETED: "release completed",
        }[self.event]
        text = f"bbws {self.environment}: {what} ({len(self.functions)} functions) {self.release}"
        return text if len(text) <= _SUBJECT_LIMIT else text[: _SUBJECT_LIMIT - 3] + "..."

    def document(self) -> dict[str, Any]:
        body = asdict(self)
        body["event"] = str(self.event)
        body["functions"] = [asdict(change) for change in self.functions]
        body["backups"] = list(self.backups)
        return body

    def text(self) -> str:
        lines = [self.subject(), ""]
        if self.detail:
            lines += [self.detail, ""]
        if self.event is ReleaseEvent.ROLLED_BACK:
            lines += ["Each function below is back on the version left of its arrow:", ""]
        for change in self.functions:
            lines.append(
                f"  {change.function}: v{change.from_version or '-'} -> v{change.to_version}  sha256 {change.sha256}"
            )
        run = f" ({self.actor.workflow}: {self.actor.run_url})" if self.actor.run_url else ""
        lines += ["", f"by {self.actor.name}{run} at {self.at}"]
        if self.backups:
            lines.append(f"backups taken first: {len(self.backups)} tables")
        lines += ["", json.dumps(self.document(), indent=2, sort_keys=True)]
        return "\n".join(lines)


def topic_arn(env: Environment) -> str:
    """The environment's alarm topic (Terraform: `${local.prefix}-alarms` in the stack)."""
    return f"arn:aws:sns:{env.region}:{env.account_id}:{env.function_name('alarms')}"


def publish_notice(
    env: Environment,
    session: boto3.session.Session,
    notice: ReleaseNotice,
    *,
    required: bool = False,
    report: Callable[[str], None] = lambda _line: None,
) -> str | None:
    """Publish `notice`; its SNS message id. A failure is reported and, when `required` (a
    protected environment's release start: no PROD change the team cannot hear of), refused."""
    try:
        answer = session.client("sns", region_name=env.region).publish(
            TopicArn=topic_arn(env),
            Subject=notice.subject(),
            Message=notice.text(),
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value}
                for name, value in (
                    ("event", str(notice.event)),
                    ("environment", env.name),
                    ("release", notice.release),
                )
            },
        )
    except (ClientError, BotoCoreError) as error:
        message = f"could not publish the {notice.event} notice to {topic_arn(env)}: {error}"
        if required:
            raise GuardError(f"refusing to start: {message}") from error
        report(f"warning: {message}")
        return None
    report(f"notified {topic_arn(env)}: {notice.event}")
    return str(answer["MessageId"])


def environ_actor(caller_arn: str) -> Actor:
    return actor_from(os.environ, caller_arn)
