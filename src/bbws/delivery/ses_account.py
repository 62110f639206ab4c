"""Is SES in the environment's account still in the sandbox? (`bbws deploy|promote|smoke`)

A new AWS account's SES is in the sandbox: it delivers only to verified addresses, at most 200
emails a day, one a second. The platform would look healthy and no customer would get an email.
SESv2 `GetAccount` says so (`ProductionAccessEnabled`, `SendQuota`, `SendingEnabled`,
`EnforcementStatus`); outside production access this is a warning for dev and sit and a failure
for a protected environment (prod), with the console step that fixes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from bbws.delivery.accounts import Environment, GuardError, require_account


class Level(StrEnum):
    OK = "ok"
    WARNING = "warning"
    FAILURE = "failure"


@dataclass(frozen=True)
class SesAccount:
    production_access: bool
    sending_enabled: bool
    max_24_hour_send: float
    max_send_rate: float
    sent_last_24_hours: float
    enforcement_status: str | None

    @classmethod
    def from_answer(cls, answer: Mapping[str, Any]) -> SesAccount:
        quota = answer.get("SendQuota", {})
        return cls(
            production_access=bool(answer.get("ProductionAccessEnabled", False)),
            sending_enabled=bool(answer.get("SendingEnabled", True)),
            max_24_hour_send=float(quota.get("Max24HourSend", 0)),
            max_send_rate=float(quota.get("MaxSendRate", 0)),
            sent_last_24_hours=float(quota.get("SentLast24Hours", 0)),
            enforcement_status=answer.get("EnforcementStatus"),
        )


@dataclass(frozen=True)
class Verdict:
    level: Level
    message: str

    @property
    def failed(self) -> bool:
        return self.level is Level.FAILURE


def production_access_step(env: Environment) -> str:
    """How to leave the sandbox (a person at AWS reviews the request, usually within a day)."""
    return (
        f"to fix: SES console, region {env.region} -> Account dashboard -> 'Request production access' "
        f"(or: aws sesv2 put-account-details --region {env.region} --production-access-enabled "
        "--mail-type TRANSACTIONAL --website-url https://<the shop> --use-case-description '<order emails>')"
    )


def judge(env: Environment, account: SesAccount) -> Verdict:
    """What `account` means for `env`: failures only where the environment is protected."""
    bad = Level.FAILURE if env.protected else Level.WARNING
    where = f"SES in account {env.account_id} ({env.region}, {env.name})"
    quota = (
        f"{account.max_24_hour_send:.0f} emails a day, {account.max_send_rate:g} a second, "
        f"{account.sent_last_24_hours:.0f} sent in the last 24 h"
    )
    if not account.sending_enabled:
        return Verdict(
            bad,
            f"{where} has sending paused (enforcement status {account.enforcement_status or 'unknown'}): no email "
            "is sent. See docs/operations.md#ses-reputation; resume with `aws sesv2 put-account-sending-attributes "
            f"--sending-enabled --region {env.region}` once AWS has lifted any pause.",
        )
    if not account.production_access:
        return Verdict(
            bad,
            f"{where} is still in the sandbox: it delivers only to verified addresses ({quota}), so customers get "
            f"no email. {production_access_step(env)}",
        )
    if account.enforcement_status not in (None, "HEALTHY"):
        return Verdict(
            Level.WARNING,
            f"{where} has production access but enforcement status {account.enforcement_status}: "
            "see docs/operations.md#ses-reputation",
        )
    return Verdict(Level.OK, f"{where} has production access ({quota})")


def check_ses_account(env: Environment, session: boto3.session.Session) -> Verdict:
    """Read the account (after the account guard) and judge it. An account that cannot be read
    is judged like a sandbox: a warning for dev and sit, a failure for prod (nothing proves it
    can send)."""
    try:
        require_account(env, session)
        answer = session.client("sesv2", region_name=env.region).get_account()
    except (ClientError, BotoCoreError) as error:
        level = Level.FAILURE if env.protected else Level.WARNING
        return Verdict(level, f"could not read SES's account in {env.region} ({error}); needs ses:GetAccount")
    return judge(env, SesAccount.from_answer(answer))


def refuse_if_failed(verdict: Verdict) -> None:
    if verdict.failed:
        raise GuardError(verdict.message)
