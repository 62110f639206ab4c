"""Release notices on the environment's alarm topic (emulated SNS, read through a queue)."""

from __future__ import annotations

import json

import pytest

from bbws.delivery.accounts import GuardError
from bbws.operations.notices import (
    Actor,
    FunctionChange,
    ReleaseEvent,
    ReleaseNotice,
    actor_from,
    publish_notice,
)
from tests.delivery.conftest import TEST_ENVIRONMENTS, Cloud
from tests.operations.conftest import Reader

PROD = TEST_ENVIRONMENTS["prod"]
CHANGES = (
    FunctionChange("orders-api", "4", "5", "a" * 64),
    FunctionChange("orders-consumer", "7", "8", "a" * 64),
)


def test_the_actor_is_the_workflow_run_in_github_actions() -> None:
    environ = {
        "GITHUB_RUN_ID": "123", "GITHUB_REPOSITORY": "agency/bbws", "GITHUB_ACTOR": "thandi",
        "GITHUB_WORKFLOW": "promote-prod", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ATTEMPT": "2",
    }  # fmt: skip

    actor = actor_from(environ, "arn:aws:sts::1:assumed-role/bbws-github-deploy-prod/gh")

    assert actor.kind == "github-actions"
    assert actor.run_url == "https://github.com/agency/bbws/actions/runs/123/attempts/2"
    assert actor.name.startswith("thandi as arn:aws:sts::1:assumed-role/")
    assert actor_from({}, "arn:aws:iam::1:user/ops") == Actor("caller", "arn:aws:iam::1:user/ops")


def test_a_notice_names_the_versions_sha256s_and_who_ran_it(cloud: Cloud, alarm_topic: Reader) -> None:
    notice = ReleaseNotice(
        ReleaseEvent.ROLLED_BACK, "prod", "r-7", Actor("caller", "arn:aws:iam::1:user/ops"), CHANGES,
        detail="bbws-prod-orders-api-errors in ALARM at 10 %", backups=("arn:aws:dynamodb:backup/1",),
    )  # fmt: skip

    assert publish_notice(PROD, cloud.session, notice) is not None

    [message] = alarm_topic()
    assert message["Subject"] == "bbws prod: release ROLLED BACK (2 functions) r-7"
    assert "orders-api: v4 -> v5  sha256 " + "a" * 64 in message["Message"]
    assert "by arn:aws:iam::1:user/ops" in message["Message"]
    assert "bbws-prod-orders-api-errors in ALARM" in message["Message"]
    document = json.loads(message["Message"][message["Message"].index("{") :])
    assert document["event"] == "release-rolled-back"
    assert document["functions"][1] == {
        "function": "orders-consumer",
        "from_version": "7",
        "to_version": "8",
        "sha256": "a" * 64,
    }
    assert message["MessageAttributes"]["event"]["Value"] == "release-rolled-back"


def test_a_required_notice_that_cannot_be_sent_refuses_and_an_optional_one_warns(cloud: Cloud) -> None:
    # Given no alarm topic at all
    notice = ReleaseNotice(ReleaseEvent.STARTED, "prod", "r-8", Actor("caller", "me"), CHANGES)
    warnings: list[str] = []

    with pytest.raises(GuardError, match="refusing to start"):
        publish_notice(PROD, cloud.session, notice, required=True)
    assert publish_notice(PROD, cloud.session, notice, report=warnings.append) is None
    assert warnings
    assert warnings[0].startswith("warning: could not publish")
