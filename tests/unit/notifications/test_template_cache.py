"""Templates come from S3 once per TTL, not once per email (a clock is injected; nothing sleeps)."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from bbws.core import aws
from bbws.notifications.dal.templates import S3TemplateLoader
from bbws.notifications.errors import TemplateBroken, TemplateMissing, TemplateStoreUnavailable
from bbws.notifications.logic.rendering import EmailRenderer


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def bucket(templates_bucket: str) -> str:
    name = templates_bucket
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.put_object(Bucket=name, Key="email-templates/greet.html", Body=b"<p>Hello {{ name }}</p>")
    s3.put_object(Bucket=name, Key="email-templates/greet.txt", Body=b"Hello {{ name }}")
    s3.put_object(Bucket=name, Key="email-templates/greet.subject.txt", Body=b"Hi {{ name }}")
    return name


def edit(bucket: str, key: str, body: bytes) -> None:
    boto3.client("s3", region_name="eu-west-1").put_object(Bucket=bucket, Key=f"email-templates/{key}", Body=body)


def test_templates_are_fetched_once_within_the_ttl(bucket: str) -> None:
    # Given a renderer over the bucket with a 5-minute cache
    clock = FakeClock()
    loader = S3TemplateLoader(bucket, ttl_seconds=300, clock=clock)
    renderer = EmailRenderer(loader)
    # When ten emails are rendered within the TTL
    for _ in range(10):
        renderer.render("greet", {"name": "Thandi"})
        clock.now += 29
    # Then each of the three files was read from S3 once
    assert loader.fetches == 3


def test_an_edit_in_s3_is_not_seen_before_the_ttl_and_is_seen_after(bucket: str) -> None:
    clock = FakeClock()
    loader = S3TemplateLoader(bucket, ttl_seconds=300, clock=clock)
    renderer = EmailRenderer(loader)
    renderer.render("greet", {"name": "Thandi"})
    # Given someone edits the subject in S3
    edit(bucket, "greet.subject.txt", b"Welcome {{ name }}")
    # When an email is rendered just before the TTL ends, Then it still has the cached subject
    clock.now += 299
    assert renderer.render("greet", {"name": "Thandi"}).subject == "Hi Thandi"
    # When the TTL has passed, Then the template is fetched again and the edit shows
    clock.now += 2
    assert renderer.render("greet", {"name": "Thandi"}).subject == "Welcome Thandi"
    assert loader.fetches == 6


def test_templates_are_read_under_the_email_templates_prefix(bucket: str) -> None:
    edit(bucket, "other.html", b"x")
    loader = S3TemplateLoader(bucket)
    assert loader.get_source(EmailRenderer(loader).environment, "other.html")[1] == (
        f"s3://{bucket}/email-templates/other.html"
    )


def test_a_template_absent_from_the_bucket_is_missing(bucket: str) -> None:
    with pytest.raises(TemplateMissing, match=r"nothing\.subject\.txt"):
        EmailRenderer(S3TemplateLoader(bucket)).render("nothing", {})


def test_an_unreadable_bucket_is_a_transient_failure(emulated_aws: None) -> None:
    # A bucket that does not exist (a wrong name, missing permissions): S3 says no, not "no such key".
    with pytest.raises(TemplateStoreUnavailable):
        EmailRenderer(S3TemplateLoader("no-such-bucket-anywhere")).render("greet", {})


def test_a_template_that_is_not_utf8_is_broken(bucket: str) -> None:
    edit(bucket, "latin.subject.txt", "Bestätigung".encode("latin-1"))
    with pytest.raises(TemplateBroken, match="UTF-8"):
        EmailRenderer(S3TemplateLoader(bucket)).render("latin", {})


def test_an_unreachable_s3_is_a_transient_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    class Unreachable:
        def get_object(self, **_: object) -> None:
            raise EndpointConnectionError(endpoint_url="https://s3.eu-west-1.amazonaws.com")

    monkeypatch.setattr(aws, "s3", Unreachable)
    with pytest.raises(TemplateStoreUnavailable):
        EmailRenderer(S3TemplateLoader("templates")).render("greet", {})
