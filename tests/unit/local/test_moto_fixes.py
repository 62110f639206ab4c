"""Every emulator fix is still needed: each test reproduces moto's bug with its fix undone.

When one of these fails, moto has fixed the bug: delete the fix from `bbws.local.moto_fixes`
and its test here.
"""

from __future__ import annotations

from typing import Any

import pytest

from bbws.local import moto_fixes


def test_every_fix_has_a_still_needed_test() -> None:
    """Given the fixes, then each has `test_<name>_still_needed` in this module."""
    missing = [fix.name for fix in moto_fixes.FIXES if f"test_{fix.name}_still_needed" not in globals()]
    assert missing == []


def test_fix_names_are_unique_and_documented() -> None:
    names = [fix.name for fix in moto_fixes.FIXES]
    assert len(names) == len(set(names))
    assert all(fix.wrong and fix.seen_in for fix in moto_fixes.FIXES)


def test_apply_is_idempotent() -> None:
    moto_fixes.apply()
    moto_fixes.apply()
    for fix in moto_fixes.FIXES:
        with moto_fixes.unpatched(fix.name):
            pass


@pytest.fixture(autouse=True)
def _patched() -> None:
    moto_fixes.apply()


def _sesv2() -> object:
    import boto3

    return boto3.client("sesv2", region_name="eu-west-1")


def test_sesv2_suppression_list_still_needed() -> None:
    """Given moto without the fix, then the suppression list calls are not implemented."""
    from moto import mock_aws

    with mock_aws(), moto_fixes.unpatched("sesv2_suppression_list"), pytest.raises(NotImplementedError):
        _sesv2().put_suppressed_destination(EmailAddress="a@example.com", Reason="BOUNCE")  # type: ignore[attr-defined]


def test_sesv2_suppression_list_keeps_addresses_per_account() -> None:
    """Given an address put on the list, then it reads back (case-insensitively) with its
    reason, lists, and once deleted is a NotFoundException again."""
    from botocore.exceptions import ClientError
    from moto import mock_aws

    with mock_aws():
        ses: Any = _sesv2()
        ses.put_suppressed_destination(EmailAddress="Gone@Example.com", Reason="COMPLAINT")

        found = ses.get_suppressed_destination(EmailAddress="gone@example.com")["SuppressedDestination"]
        listed = ses.list_suppressed_destinations()["SuppressedDestinationSummaries"]
        ses.delete_suppressed_destination(EmailAddress="gone@example.com")

        assert (found["EmailAddress"], found["Reason"]) == ("Gone@Example.com", "COMPLAINT")
        assert [entry["EmailAddress"] for entry in listed] == ["Gone@Example.com"]
        with pytest.raises(ClientError, match="NotFoundException"):
            ses.get_suppressed_destination(EmailAddress="gone@example.com")


def test_sesv2_account_still_needed() -> None:
    """Given moto without the fix, then GetAccount is not implemented."""
    from moto import mock_aws

    with mock_aws(), moto_fixes.unpatched("sesv2_account"), pytest.raises(NotImplementedError):
        _sesv2().get_account()  # type: ignore[attr-defined]


def test_sesv2_account_starts_in_the_sandbox_until_production_access_is_granted() -> None:
    """Given a new emulated account, then SES is in the sandbox (200 a day, 1 a second); once
    production access is asked for, the emulator grants it."""
    from moto import mock_aws

    with mock_aws():
        ses: Any = _sesv2()
        before = ses.get_account()
        ses.put_account_details(
            MailType="TRANSACTIONAL", WebsiteURL="https://bbws.example", UseCaseDescription="order emails",
            ProductionAccessEnabled=True,
        )  # fmt: skip
        after = ses.get_account()

    assert before["ProductionAccessEnabled"] is False
    assert before["SendQuota"]["Max24HourSend"] == 200
    assert after["ProductionAccessEnabled"] is True
    assert after["SendQuota"]["Max24HourSend"] > 200


def test_the_emulators_server_routes_the_added_sesv2_calls() -> None:
    """Given the emulator serving over HTTP (moto's server routes only the paths it lists), then
    the suppression list and the account answer there too."""
    import boto3

    from bbws.local.emulator import Emulator

    emulator = Emulator()
    url = emulator.start()
    try:
        ses: Any = boto3.client(
            "sesv2", endpoint_url=url, region_name="eu-west-1",
            aws_access_key_id="local", aws_secret_access_key="local",
        )  # fmt: skip
        ses.put_suppressed_destination(EmailAddress="a@example.com", Reason="BOUNCE")
        found = ses.get_suppressed_destination(EmailAddress="a@example.com")["SuppressedDestination"]
        account = ses.get_account()
    finally:
        emulator.stop()

    assert found["Reason"] == "BOUNCE"
    assert account["ProductionAccessEnabled"] is False


def _event_destination(ses: Any) -> None:
    ses.create_configuration_set(ConfigurationSet={"Name": "set"})
    ses.create_configuration_set_event_destination(
        ConfigurationSetName="set",
        EventDestination={
            "Name": "feedback", "Enabled": True, "MatchingEventTypes": ["bounce"],
            "SNSDestination": {"TopicARN": "arn:aws:sns:eu-west-1:123456789012:events"},
        },
    )  # fmt: skip


def test_ses_delete_event_destination_still_needed() -> None:
    import boto3
    from moto import mock_aws

    with mock_aws(), moto_fixes.unpatched("ses_delete_event_destination"):
        ses: Any = boto3.client("ses", region_name="eu-west-1")
        _event_destination(ses)
        with pytest.raises(NotImplementedError):
            ses.delete_configuration_set_event_destination(ConfigurationSetName="set", EventDestinationName="feedback")


def test_ses_delete_event_destination_removes_it_once() -> None:
    import boto3
    from botocore.exceptions import ClientError
    from moto import mock_aws

    with mock_aws():
        ses: Any = boto3.client("ses", region_name="eu-west-1")
        _event_destination(ses)
        ses.delete_configuration_set_event_destination(ConfigurationSetName="set", EventDestinationName="feedback")
        with pytest.raises(ClientError):
            ses.delete_configuration_set_event_destination(ConfigurationSetName="set", EventDestinationName="feedback")
        # And a destination of that name can be created again
        ses.create_configuration_set_event_destination(
            ConfigurationSetName="set",
            EventDestination={"Name": "feedback", "Enabled": True, "MatchingEventTypes": ["bounce"]},
        )


def _two_alarms() -> Any:
    import boto3

    cloudwatch: Any = boto3.client("cloudwatch", region_name="eu-west-1")
    for name in ("bbws-dev-a-errors", "bbws-dev-b-errors"):
        cloudwatch.put_metric_alarm(
            AlarmName=name, MetricName="Errors", Namespace="AWS/Lambda", Statistic="Sum", Period=60,
            EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
        )  # fmt: skip
    cloudwatch.set_alarm_state(AlarmName="bbws-dev-a-errors", StateValue="ALARM", StateReason="test")
    return cloudwatch


def test_cloudwatch_describe_alarms_filters_still_needed() -> None:
    from moto import mock_aws

    with mock_aws(), moto_fixes.unpatched("cloudwatch_describe_alarms_filters"):
        answer = _two_alarms().describe_alarms(AlarmNamePrefix="bbws-dev-", StateValue="ALARM")

    assert len(answer["MetricAlarms"]) == 2  # the state filter ignored


def test_cloudwatch_describe_alarms_applies_every_filter() -> None:
    from moto import mock_aws

    with mock_aws():
        cloudwatch = _two_alarms()
        both = cloudwatch.describe_alarms(AlarmNamePrefix="bbws-dev-", StateValue="ALARM")["MetricAlarms"]
        other_prefix = cloudwatch.describe_alarms(AlarmNamePrefix="bbws-sit-", StateValue="ALARM")["MetricAlarms"]
        every = cloudwatch.describe_alarms()["MetricAlarms"]

    assert [a["AlarmName"] for a in both] == ["bbws-dev-a-errors"]
    assert other_prefix == []
    assert len(every) == 2
