"""Every emulator fix is still needed: each test reproduces moto's bug with its fix undone.

When one of these fails, moto has fixed the bug: delete the fix from `bbws.local.moto_fixes`
and its test here.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.sqs import models as sqs_models

from bbws.local import moto_fixes
from bbws.local.provision import table_schema


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


# --- sqs_queue_scans ------------------------------------------------------------------------

DEPTH = 200


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs", region_name="eu-west-1")


@pytest.fixture
def visibility_checks(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often moto asks a message whether it is visible or delayed, and for its receipt
    handles: the per-message work that makes a call's cost grow with the queue's depth."""
    seen: Counter[str] = Counter()
    for name in ("visible", "delayed", "all_receipt_handles"):
        original = getattr(sqs_models.Message, name)

        def counting(self: Any, _original: property = original, _name: str = name) -> Any:
            seen[_name] += 1
            return _original.fget(self)  # type: ignore[misc]

        monkeypatch.setattr(sqs_models.Message, name, property(counting))
    return seen


def _deep_queue(sqs: Any, name: str) -> str:
    url = str(sqs.create_queue(QueueName=name)["QueueUrl"])
    for start in range(0, DEPTH, 10):
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(start, start + 10)]
        )
    return url


def _work_of_one_send_receive_delete(sqs: Any, url: str, seen: Counter[str]) -> dict[str, int]:
    work = {}
    seen.clear()
    sqs.send_message(QueueUrl=url, MessageBody="one more")
    work["send"] = sum(seen.values())
    seen.clear()
    message = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=0)["Messages"][0]
    work["receive"] = sum(seen.values())
    seen.clear()
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    work["delete"] = sum(seen.values())
    return work


def test_sqs_queue_scans_still_needed(sqs: Any, visibility_checks: Counter[str]) -> None:
    # Given a queue 200 messages deep, and moto without the fix
    url = _deep_queue(sqs, "deep-unpatched")
    with moto_fixes.unpatched("sqs_queue_scans"):
        # When one message is sent, received and deleted
        work = _work_of_one_send_receive_delete(sqs, url, visibility_checks)
    # Then each of the three calls looked at every message in the queue, several times
    assert all(count >= DEPTH for count in work.values()), work


def test_sqs_queue_scans_fixed_calls_do_not_grow_with_depth(sqs: Any, visibility_checks: Counter[str]) -> None:
    # Given the same queue with the fix
    url = _deep_queue(sqs, "deep-patched")
    # When one message is sent, received and deleted
    work = _work_of_one_send_receive_delete(sqs, url, visibility_checks)
    # Then a send looks at no message, a receive and a delete only at the first few
    assert work["send"] == 0, work
    assert work["receive"] <= 6, work
    assert work["delete"] <= 2, work


def _counts(sqs: Any, url: str) -> tuple[int, int, int]:
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return tuple(int(attributes[name]) for name in names)  # type: ignore[return-value]


def test_sqs_queue_scans_fixed_queue_behaves_as_sqs(sqs: Any) -> None:
    # Given a queue with a dead-letter queue after 2 receives, and messages in every state
    dlq = sqs.create_queue(QueueName="behaves-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName="behaves",
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})},
    )["QueueUrl"]
    for body in ("a", "b", "c"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    assert _counts(sqs, url) == (3, 0, 1)
    # When two are received (in flight), one deleted by its handle and one made visible again
    first, second = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=30)["Messages"]
    assert _counts(sqs, url) == (1, 2, 1)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])  # again: harmless
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"], VisibilityTimeout=0)
    # Then the counts, the order of delivery, receive counts and redrive are SQS's
    assert _counts(sqs, url) == (2, 0, 1)
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, AttributeNames=["All"])
    assert [(m["Body"], m["Attributes"]["ApproximateReceiveCount"]) for m in again["Messages"]] == [
        ("b", "2"),
        ("c", "1"),
    ]
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)  # "b" moves to the DLQ
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]] == ["b"]
    with pytest.raises(ClientError, match="ReceiptHandleIsInvalid"):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")
    # And an old handle of a message received again since still deletes it
    plain = sqs.create_queue(QueueName="behaves-plain")["QueueUrl"]
    sqs.send_message(QueueUrl=plain, MessageBody="d")
    old = sqs.receive_message(QueueUrl=plain, VisibilityTimeout=0)["Messages"][0]
    sqs.receive_message(QueueUrl=plain, VisibilityTimeout=30)
    sqs.delete_message(QueueUrl=plain, ReceiptHandle=old["ReceiptHandle"])
    assert _counts(sqs, plain) == (0, 0, 0)


# --- fixes the provider needs (found by the deploy rehearsal) --------------------------------


def _client(service: str) -> Any:
    return boto3.client(service, region_name="eu-west-1")  # type: ignore[call-overload]


def _configuration_set() -> dict[str, Any]:
    ses = _client("sesv2")
    ses.create_configuration_set(ConfigurationSetName="set", SendingOptions={"SendingEnabled": True})
    return dict(ses.get_configuration_set(ConfigurationSetName="set"))


def test_sesv2_sending_enabled_is_a_bool_still_needed() -> None:
    with mock_aws(), moto_fixes.unpatched("sesv2_sending_enabled_is_a_bool"):
        answer = _configuration_set()
    # moto answers {"SendingEnabled": {"SendingEnabled": true}}: botocore reads the map as false,
    # the provider cannot read it at all.
    assert answer["SendingOptions"]["SendingEnabled"] is not True


def test_sesv2_configuration_set_omits_unset_options_still_needed() -> None:
    with mock_aws(), moto_fixes.unpatched("sesv2_configuration_set_omits_unset_options"):
        answer = _configuration_set()
    assert answer["TrackingOptions"] == {}
    assert answer["VdmOptions"] == {}


def test_sesv2_configuration_set_reads_back_as_aws_answers() -> None:
    with mock_aws():
        answer = _configuration_set()
    assert answer["SendingOptions"] == {"SendingEnabled": True}
    assert not {"TrackingOptions", "SuppressionOptions", "VdmOptions"} & set(answer)


def _identity_tags() -> list[dict[str, str]]:
    ses = _client("sesv2")
    ses.create_email_identity(EmailIdentity="orders@example.com", Tags=[{"Key": "env", "Value": "dev"}])
    arn = "arn:aws:ses:eu-west-1:123456789012:identity/orders@example.com"
    return list(ses.list_tags_for_resource(ResourceArn=arn)["Tags"])


def test_sesv2_identity_tags_under_the_identity_arn_still_needed() -> None:
    with mock_aws(), moto_fixes.unpatched("sesv2_identity_tags_under_the_identity_arn"):
        assert _identity_tags() == []


def test_sesv2_identity_tags_are_listed_under_the_identity_arn() -> None:
    with mock_aws():
        assert _identity_tags() == [{"Key": "env", "Value": "dev"}]


TLS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": ["arn:aws:s3:::bbws-t", "arn:aws:s3:::bbws-t/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "NoDeletes", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
            "Resource": "arn:aws:s3:::bbws-t/kept/*",
        },
    ],
}  # fmt: skip


def _bucket_with_tls_only_policy() -> Any:
    s3 = _client("s3")
    s3.create_bucket(Bucket="bbws-t", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_policy(Bucket="bbws-t", Policy=json.dumps(TLS_ONLY))
    return s3


def test_s3_bucket_policy_conditions_still_needed() -> None:
    with mock_aws(), moto_fixes.unpatched("s3_bucket_policy_conditions"):
        s3 = _bucket_with_tls_only_policy()
        with pytest.raises(ClientError, match=r"\(403\)|AccessDenied"):
            s3.put_object(Bucket="bbws-t", Key="email-templates/a.html", Body=b"<p>")


def test_s3_bucket_policy_a_condition_that_does_not_hold_neither_denies_nor_allows() -> None:
    with mock_aws():
        s3 = _bucket_with_tls_only_policy()
        s3.put_object(Bucket="bbws-t", Key="email-templates/a.html", Body=b"<p>")
        s3.put_object(Bucket="bbws-t", Key="kept/a", Body=b"x")
        body = s3.get_object(Bucket="bbws-t", Key="email-templates/a.html")["Body"].read()
        # an unconditional Deny still denies
        refused = s3.delete_objects(Bucket="bbws-t", Delete={"Objects": [{"Key": "kept/a"}]})["Errors"]
    assert body == b"<p>"
    assert [(error["Key"], error["Code"]) for error in refused] == [("kept/a", "AccessDenied")]


def test_s3_bucket_policy_condition_evaluation() -> None:
    """The fix's condition reading: Bool on the known key only; anything else does not hold."""
    assert moto_fixes._condition_holds({"Bool": {"aws:SecureTransport": "true"}})
    assert moto_fixes._condition_holds({"Bool": {"aws:securetransport": ["true"]}})
    assert not moto_fixes._condition_holds({"Bool": {"aws:SecureTransport": "false"}})
    assert not moto_fixes._condition_holds({"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    assert not moto_fixes._condition_holds({"StringEquals": {"aws:SourceAccount": "1"}})


ALLOW_POLICY = json.dumps({"redrivePermission": "denyAll"})


def test_sqs_redrive_allow_policy_returned_still_needed(sqs: Any) -> None:
    with moto_fixes.unpatched("sqs_redrive_allow_policy_returned"):
        url = sqs.create_queue(QueueName="allow", Attributes={"RedriveAllowPolicy": ALLOW_POLICY})["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert "RedriveAllowPolicy" not in attributes


def test_sqs_redrive_allow_policy_is_returned_until_removed(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="allow", Attributes={"RedriveAllowPolicy": ALLOW_POLICY})["QueueUrl"]
    named = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedriveAllowPolicy"])["Attributes"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": ""})
    after = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    plain = sqs.create_queue(QueueName="plain")["QueueUrl"]
    assert named == {"RedriveAllowPolicy": ALLOW_POLICY}
    assert "RedriveAllowPolicy" not in after
    assert "RedriveAllowPolicy" not in sqs.get_queue_attributes(QueueUrl=plain, AttributeNames=["All"])["Attributes"]


QUEUE_POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage"}]}
)


def _policy_after_another_attribute(sqs: Any) -> str | None:
    url = sqs.create_queue(QueueName="policy", Attributes={"Policy": QUEUE_POLICY})["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "60"})
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return attributes.get("Policy")  # type: ignore[no-any-return]


def test_sqs_set_attributes_keeps_the_policy_still_needed(sqs: Any) -> None:
    with moto_fixes.unpatched("sqs_set_attributes_keeps_the_policy"):
        assert _policy_after_another_attribute(sqs) is None


def test_sqs_set_attributes_keeps_the_policy_and_can_still_change_it(sqs: Any) -> None:
    assert json.loads(_policy_after_another_attribute(sqs) or "{}") == json.loads(QUEUE_POLICY)
    url = sqs.get_queue_url(QueueName="policy")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def _redrive_policy(sqs: Any) -> str:
    dlq = sqs.create_queue(QueueName="redrive-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    given = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 5}, separators=(",", ":"))
    url = sqs.create_queue(QueueName="redrive", Attributes={"RedrivePolicy": given})["QueueUrl"]
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"])


def test_sqs_redrive_policy_compact_still_needed(sqs: Any) -> None:
    with moto_fixes.unpatched("sqs_redrive_policy_compact"):
        assert ", " in _redrive_policy(sqs)


def test_sqs_redrive_policy_returned_as_given(sqs: Any) -> None:
    answer = _redrive_policy(sqs)
    assert " " not in answer
    assert json.loads(answer)["maxReceiveCount"] == 5


def _zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return None\n")
    return buffer.getvalue()


def _function(**extra: Any) -> Any:
    role = _client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam = _client("lambda")
    lam.create_function(
        FunctionName="fn", Runtime="python3.12", Role=role, Handler="handler.handle", Code={"ZipFile": _zip()}, **extra
    )
    return lam


def test_lambda_function_configuration_still_needed() -> None:
    with mock_aws(), moto_fixes.unpatched("lambda_function_configuration"):
        lam = _function(LoggingConfig={"LogFormat": "JSON"}, SnapStart={"ApplyOn": "PublishedVersions"})
        config = lam.get_function_configuration(FunctionName="fn")
    assert "LoggingConfig" not in config
    assert config["SnapStart"]["ApplyOn"] == "None"


def test_lambda_function_configuration_kept_on_create_update_and_publish() -> None:
    with mock_aws():
        lam = _function(SnapStart={"ApplyOn": "PublishedVersions"})
        created = lam.get_function_configuration(FunctionName="fn")
        lam.update_function_configuration(FunctionName="fn", LoggingConfig={"LogFormat": "JSON", "LogGroup": "g"})
        version = lam.publish_version(FunctionName="fn")
        latest = lam.get_function_configuration(FunctionName="fn")
    assert created["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/fn"}  # AWS's default
    assert latest["LoggingConfig"] == {"LogFormat": "JSON", "LogGroup": "g"}
    assert version["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}
    assert latest["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "Off"}


def _mapping_function_arn() -> str:
    lam = _function()
    version = lam.publish_version(FunctionName="fn")["Version"]
    alias = lam.create_alias(FunctionName="fn", Name="live", FunctionVersion=version)["AliasArn"]
    sqs = _client("sqs")
    queue = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mapping = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=alias)["UUID"]
    return str(lam.get_event_source_mapping(UUID=mapping)["FunctionArn"])


def test_lambda_event_source_mapping_keeps_the_alias_still_needed() -> None:
    with mock_aws(), moto_fixes.unpatched("lambda_event_source_mapping_keeps_the_alias"):
        assert _mapping_function_arn().endswith(":function:fn:1")


def test_lambda_event_source_mapping_reports_the_alias_it_was_given() -> None:
    with mock_aws():
        assert _mapping_function_arn() == "arn:aws:lambda:eu-west-1:123456789012:function:fn:live"


def _clear_cloudwatch_role() -> Any:
    apigateway = _client("apigateway")
    apigateway.update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": "arn:aws:iam::123456789012:role/r"}]
    )
    apigateway.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn"}])
    return apigateway.get_account()


def test_apigateway_account_role_reset_still_needed() -> None:
    with mock_aws(), moto_fixes.unpatched("apigateway_account_role_reset"), pytest.raises(KeyError):
        _clear_cloudwatch_role()


def test_apigateway_account_role_reset_clears_the_role() -> None:
    with mock_aws():
        assert "cloudwatchRoleArn" not in _clear_cloudwatch_role()


def _remove_stage_twice() -> Any:
    """A usage plan's stage removed, then removed again (as a retried request would)."""
    apigateway = _client("apigateway")
    api = apigateway.create_rest_api(name="api")["id"]
    plan = apigateway.create_usage_plan(name="plan", apiStages=[{"apiId": api, "stage": "v1"}])["id"]
    remove = [{"op": "remove", "path": "/apiStages", "value": f"{api}:v1"}]
    apigateway.update_usage_plan(usagePlanId=plan, patchOperations=remove)
    assert apigateway.get_usage_plan(usagePlanId=plan)["apiStages"] == []
    return apigateway.update_usage_plan(usagePlanId=plan, patchOperations=remove)


def test_apigateway_usage_plan_remove_stage_still_needed() -> None:
    with (
        mock_aws(),
        moto_fixes.unpatched("apigateway_usage_plan_remove_stage"),
        pytest.raises(ValueError, match="not in list"),
    ):
        _remove_stage_twice()


def test_apigateway_usage_plan_remove_stage_answers_400_for_an_absent_stage() -> None:
    with mock_aws(), pytest.raises(ClientError) as raised:
        _remove_stage_twice()

    assert raised.value.response["Error"]["Code"] == "BadRequestException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# --- server_dispatch_scans ------------------------------------------------------------------

HOSTS = ("dynamodb.eu-west-1.amazonaws.com", "sqs.eu-west-1.amazonaws.com", "email.eu-west-1.amazonaws.com", "s3")


@pytest.fixture
def directory_listings(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often moto lists a directory and lists a class's members."""
    import inspect
    import os

    from moto import backends

    seen: Counter[str] = Counter()
    listdir, getmembers = os.listdir, inspect.getmembers

    def counting_listdir(*args: Any) -> Any:
        seen["listdir"] += 1
        return listdir(*args)

    def counting_getmembers(*args: Any, **kwargs: Any) -> Any:
        seen["getmembers"] += 1
        return getmembers(*args, **kwargs)

    monkeypatch.setattr(backends.os, "listdir", counting_listdir)
    monkeypatch.setattr(inspect, "getmembers", counting_getmembers)
    return seen


def _dispatch_twice() -> list[Any]:
    from moto.core import responses
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    dispatcher = DomainDispatcherApplication(create_backend_app)
    found = [dispatcher.get_backend_for_host(host) for _ in range(2) for host in HOSTS]
    found += [responses.method_names_from_class(responses.BaseResponse) for _ in range(2)]
    return found


def test_server_dispatch_scans_still_needed(directory_listings: Counter[str]) -> None:
    # Given moto without the fix, when the backend of four hosts is found twice and a response
    # class's actions are listed twice
    with moto_fixes.unpatched("server_dispatch_scans"):
        _dispatch_twice()
    # Then every host lookup listed moto's package directory and every dispatch the class
    assert directory_listings["listdir"] >= 2 * len(HOSTS) - 1
    assert directory_listings["getmembers"] == 2


def test_server_dispatch_scans_fixed_finds_the_same_once(directory_listings: Counter[str]) -> None:
    # Given the unpatched answers
    with moto_fixes.unpatched("server_dispatch_scans"):
        expected = _dispatch_twice()
    directory_listings.clear()
    # When the same is asked of patched moto
    found = _dispatch_twice()
    again = _dispatch_twice()
    # Then the answers are the same, and each was worked out at most once
    assert found == expected == again
    assert directory_listings["listdir"] <= len(HOSTS)
    assert directory_listings["getmembers"] <= 1


def test_server_dispatch_scans_fixed_sees_methods_added_later() -> None:
    from moto.core import responses

    class Response(responses.BaseResponse):
        def first(self) -> None: ...

    assert "first" in responses.method_names_from_class(Response)
    # When a fix adds a method to the class afterwards, then it is listed (and gone once removed)
    Response.second = lambda _self: None  # type: ignore[attr-defined]
    assert "second" in responses.method_names_from_class(Response)
    del Response.second  # type: ignore[attr-defined]
    assert "second" not in responses.method_names_from_class(Response)


def _add_permission_twice(qualifier: str | None = None) -> Any:
    """The same statement id added twice (as a retried AddPermission would); the second answer."""
    lam = _function()
    version = lam.publish_version(FunctionName="fn")["Version"]
    lam.create_alias(FunctionName="fn", Name="live", FunctionVersion=version)
    grant = {"FunctionName": "fn", "StatementId": "AllowQueue", "Action": "lambda:InvokeFunction"}
    grant |= {"Principal": "sqs.amazonaws.com", **({"Qualifier": qualifier} if qualifier else {})}
    lam.add_permission(**grant)
    return lam.add_permission(**grant)


def _statements(lam: Any, qualifier: str | None = None) -> list[dict[str, Any]]:
    policy = lam.get_policy(FunctionName="fn", **({"Qualifier": qualifier} if qualifier else {}))["Policy"]
    statements: list[dict[str, Any]] = json.loads(policy)["Statement"]
    return statements


def test_lambda_permission_statement_id_unique_still_needed() -> None:
    with mock_aws(), moto_fixes.unpatched("lambda_permission_statement_id_unique"):
        _add_permission_twice()
        statements = _statements(_client("lambda"))
    assert [s["Sid"] for s in statements] == ["AllowQueue", "AllowQueue"]


def test_lambda_permission_statement_id_taken_answers_409_and_keeps_the_policy() -> None:
    with mock_aws():
        with pytest.raises(ClientError) as raised:
            _add_permission_twice("live")
        lam = _client("lambda")
        kept = _statements(lam, "live")
        # The same id on another qualifier's policy is a different statement, as in AWS.
        unqualified = lam.add_permission(
            FunctionName="fn", StatementId="AllowQueue", Action="lambda:InvokeFunction", Principal="sqs.amazonaws.com"
        )

    assert raised.value.response["Error"]["Code"] == "ResourceConflictException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert "AllowQueue" in raised.value.response["Error"]["Message"]
    assert [s["Sid"] for s in kept] == ["AllowQueue"]
    assert json.loads(unqualified["Statement"])["Resource"].endswith(":function:fn")


def test_server_dispatch_scans_forgets_method_lists_when_a_fix_is_undone() -> None:
    import boto3
    from moto import mock_aws
    from moto.ses.responses import EmailResponse

    # Given the fixed method listed once (dispatched), then the fix undone while another
    # attribute appears on the class, so the class keeps its size
    with mock_aws():
        ses: Any = boto3.client("ses", region_name="eu-west-1")
        _event_destination(ses)
        ses.delete_configuration_set_event_destination(ConfigurationSetName="set", EventDestinationName="feedback")
        with moto_fixes.unpatched("ses_delete_event_destination"):
            EmailResponse.same_size_stand_in = None  # type: ignore[attr-defined]
            try:
                # Then moto answers as unfixed moto does, not from a stale list of methods
                with pytest.raises(NotImplementedError):
                    ses.delete_configuration_set_event_destination(
                        ConfigurationSetName="set", EventDestinationName="feedback"
                    )
            finally:
                del EmailResponse.same_size_stand_in  # type: ignore[attr-defined]


# --- serializer_alias_lookups ---------------------------------------------------------------


def _order_like_item(n: int) -> dict[str, Any]:
    """An item shaped like a stored order: strings, numbers, a map of maps, a list, a bool."""
    return {
        "pk": {"S": f"ORDER#{n}"},
        "sk": {"S": "ORDER"},
        "total": {"N": "1234.50"},
        "paid": {"BOOL": False},
        "note": {"NULL": True},
        "tags": {"SS": ["a", "b"]},
        "lines": {"L": [{"M": {"sku": {"S": f"sku-{i}"}, "qty": {"N": str(i)}}} for i in range(5)]},
        "customer": {"M": {"email": {"S": "a@example.com"}, "address": {"M": {"city": {"S": "Cape Town"}}}}},
    }


def _dynamodb_answers() -> list[Any]:
    """What GetItem, Query and DescribeTable answer for the same items (answers without metadata)."""
    client = boto3.client("dynamodb", region_name="eu-west-1")
    if "alias-lookups" not in client.list_tables()["TableNames"]:
        client.create_table(TableName="alias-lookups", **table_schema("orders_table_name"))  # its indexes too
        for n in range(3):
            client.put_item(TableName="alias-lookups", Item=_order_like_item(n))
    answers = [
        client.get_item(TableName="alias-lookups", Key={"pk": {"S": "ORDER#1"}, "sk": {"S": "ORDER"}}),
        client.query(
            TableName="alias-lookups",
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "ORDER#2"}},
        ),
        client.describe_table(TableName="alias-lookups"),
    ]
    for answer in answers:
        answer.pop("ResponseMetadata")
    return answers


@pytest.fixture
def alias_providers_asked(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many alias providers moto's serializer creates (one per provider, member and call)."""
    from moto.core import serialize

    seen: Counter[str] = Counter()
    original = serialize.AttributeAliasProvider.__init__

    def counting(self: Any, context: Any) -> None:
        seen["created"] += 1
        original(self, context)

    monkeypatch.setattr(serialize.AttributeAliasProvider, "__init__", counting)
    return seen


def test_serializer_alias_lookups_still_needed(alias_providers_asked: Counter[str]) -> None:
    with mock_aws(), moto_fixes.unpatched("serializer_alias_lookups"):
        # Given items already written and read once
        _dynamodb_answers()
        alias_providers_asked.clear()
        # When the same answers are serialized again
        _dynamodb_answers()
    # Then every member of every structure asked the alias providers again
    assert alias_providers_asked["created"] > 1000, alias_providers_asked


def test_serializer_alias_lookups_fixed_answers_the_same_and_asks_once(alias_providers_asked: Counter[str]) -> None:
    with mock_aws():
        # Given moto's answers without the fix
        with moto_fixes.unpatched("serializer_alias_lookups"):
            expected = _dynamodb_answers()
        # When they are asked again with it, twice
        patched = _dynamodb_answers()
        alias_providers_asked.clear()
        again = _dynamodb_answers()
    # Then the answers are the same, and the second time no alias provider was asked
    assert patched == expected
    assert again == expected
    assert alias_providers_asked["created"] == 0


def test_serializer_alias_lookups_fixed_still_applies_response_transformers() -> None:
    from moto.core import serialize

    # Given a picker with a transformer for one key path, and an object with that attribute
    picker = serialize.XFormedAttributePicker(response_transformers={"Thing.Secret": serialize.never_return})
    shape = boto3.client("dynamodb", region_name="eu-west-1").meta.service_model.shape_for("TableDescription")

    class Thing:
        table_name = "t"
        secret = "s"

    def pick(key: str) -> Any:
        return picker(serialize.AttributePickerContext(obj=Thing(), key=key, shape=shape, key_path="Thing"))

    # Then the transformed key is hidden and the other one found through its snake_case alias
    assert pick("Secret") is None
    assert pick("TableName") == "t"


# --- random_strings_per_character -----------------------------------------------------------


def _choice_calls(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Counter[str]]:
    from moto.moto_api._internal.moto_random import MotoRandom

    generator = MotoRandom(7)
    seen: Counter[str] = Counter()
    original = generator.choice
    monkeypatch.setattr(generator, "choice", lambda pool: seen.update(["choice"]) or original(pool))
    return generator, seen


def test_random_strings_per_character_still_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    generator, seen = _choice_calls(monkeypatch)
    # When moto without the fix draws a request id (52 characters)
    with moto_fixes.unpatched("random_strings_per_character"):
        generator.get_random_string(length=52)
    # Then it drew one character at a time
    assert seen["choice"] == 52


def test_random_strings_per_character_fixed_same_alphabets_seeded(monkeypatch: pytest.MonkeyPatch) -> None:
    import string

    from moto.moto_api._internal.moto_random import MotoRandom

    generator, seen = _choice_calls(monkeypatch)
    # When the patched generator draws strings of each kind
    mixed = generator.get_random_string(length=52)
    letters = generator.get_random_string(length=400, include_digits=False)
    lower = generator.get_random_string(length=400, lower_case=True)
    hex_id = generator.get_random_hex(length=400)
    # Then each has its length and alphabet, with no per-character draw
    assert len(mixed) == 52
    assert set(letters) <= set(string.ascii_letters)
    assert len(set(letters)) > 30
    assert set(lower) <= set(string.ascii_lowercase + string.digits)
    assert set(lower) & set(string.digits)
    assert set(hex_id) == set("0123456789abcdef")
    assert seen["choice"] == 0
    # And a seeded generator still draws the same strings (moto's deterministic ids)
    assert MotoRandom(3).get_random_string(length=20) == MotoRandom(3).get_random_string(length=20)
