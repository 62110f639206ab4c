"""The emulator serialises moto and records what the outbox needs; the outbox reads every send shape."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from typing import Any, ClassVar

import boto3
import pytest

from bbws.local.emulator import Emulator, PriorityLock, _message_id, _simple_text_part
from bbws.local.outbox import OutboxMessage, parse_raw, read_outbox, render_outbox_page, to_outbox_message
from tests.support.polling import eventually

REGION = "eu-west-1"
SENDER = "orders@bbws.local"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    emulator = Emulator(region=REGION)
    emulator.start()
    yield emulator
    emulator.stop()


def _client(emulator: Emulator, service: str) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=emulator.url)


def _table(emulator: Emulator, name: str) -> Any:
    """A DynamoDB client, after making a table keyed by `pk` (a string)."""
    dynamodb = _client(emulator, "dynamodb")
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return dynamodb


@pytest.fixture(scope="module")
def verified_sender(emulator: Emulator) -> str:
    _client(emulator, "ses").verify_email_identity(EmailAddress=SENDER)
    return SENDER


def _sent(emulator: Emulator, message_id: str) -> OutboxMessage:
    return next(message for message in read_outbox(emulator.app) if message.id == message_id)


@pytest.fixture
def eager_thread_switching() -> Iterator[None]:
    """Switch threads as often as possible, so an unsafe interleaving shows up in a short run."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


@pytest.mark.usefixtures("eager_thread_switching")
def test_concurrent_atomic_counter_updates_lose_nothing(emulator: Emulator) -> None:
    # Given a counter item (without the emulator's lock moto loses some of these updates)
    dynamodb = _table(emulator, "counter")

    def add_ten(_: int) -> None:
        for _ in range(10):
            dynamodb.update_item(
                TableName="counter",
                Key={"pk": {"S": "c"}},
                UpdateExpression="ADD hits :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )

    # When twenty clients add ten each at the same time
    with ThreadPoolExecutor(20) as pool:
        list(pool.map(add_ten, range(20)))
    # Then every one of the 200 atomic updates counted, as in DynamoDB
    item = dynamodb.get_item(TableName="counter", Key={"pk": {"S": "c"}}, ConsistentRead=True)["Item"]
    assert item["hits"]["N"] == "200"


@pytest.mark.usefixtures("eager_thread_switching")
def test_concurrent_receives_never_deliver_a_message_twice(emulator: Emulator) -> None:
    # Given 100 messages (without the emulator's lock moto hands some to two receivers)
    sqs = _client(emulator, "sqs")
    url = sqs.create_queue(QueueName="race", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    for start in range(0, 100, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(start + i)} for i in range(10)])

    def receive(_: int) -> list[str]:
        bodies: list[str] = []
        for _ in range(3):
            bodies += [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]
        return bodies

    # When ten consumers receive at the same time
    with ThreadPoolExecutor(10) as pool:
        received = [body for bodies in pool.map(receive, range(10)) for body in bodies]
    # Then each message went to exactly one of them
    assert sorted(received, key=int) == [str(i) for i in range(100)]


def test_sesv2_simple_email_keeps_both_parts_and_a_send_time(emulator: Emulator, verified_sender: str) -> None:
    # When an email with HTML and text parts is sent through SESv2
    message_id = _client(emulator, "sesv2").send_email(
        FromEmailAddress=verified_sender,
        Destination={"ToAddresses": ["customer@example.com"]},
        Content={
            "Simple": {
                "Subject": {"Data": "Your order"},
                "Body": {"Html": {"Data": "<p>Thanks</p>"}, "Text": {"Data": "Thanks"}},
            }
        },
    )["MessageId"]
    # Then the outbox shows both parts, the recipients and when it was sent
    message = _sent(emulator, message_id)
    assert (message.subject, message.html, message.text) == ("Your order", "<p>Thanks</p>", "Thanks")
    assert message.to == ["customer@example.com"]
    assert message.from_ == verified_sender
    assert message.sentAt is not None
    assert message.sentAt.endswith("Z")


def test_ses_v1_email_keeps_its_text_part(emulator: Emulator, verified_sender: str) -> None:
    message_id = _client(emulator, "ses").send_email(
        Source=verified_sender,
        Destination={"ToAddresses": ["a@example.com"], "CcAddresses": ["b@example.com"]},
        Message={
            "Subject": {"Data": "Receipt"},
            "Body": {"Html": {"Data": "<b>Paid</b>"}, "Text": {"Data": "Paid"}},
        },
    )["MessageId"]
    message = _sent(emulator, message_id)
    assert (message.html, message.text) == ("<b>Paid</b>", "Paid")
    assert message.to == ["a@example.com", "b@example.com"]


def test_raw_mime_email_is_parsed(emulator: Emulator, verified_sender: str) -> None:
    # Given a multipart MIME email
    mime = EmailMessage()
    mime["From"] = f"BBWS <{verified_sender}>"
    mime["To"] = "customer@example.com"
    mime["Subject"] = "Order confirmed"
    mime.set_content("Plain thanks")
    mime.add_alternative("<h1>Thanks</h1>", subtype="html")
    # When it is sent raw through SESv2
    message_id = _client(emulator, "sesv2").send_email(
        FromEmailAddress=verified_sender,
        Destination={"ToAddresses": ["customer@example.com"]},
        Content={"Raw": {"Data": mime.as_bytes()}},
    )["MessageId"]
    # Then both parts are in the outbox
    message = _sent(emulator, message_id)
    assert message.subject == "Order confirmed"
    assert message.html.strip() == "<h1>Thanks</h1>"
    assert message.text.strip() == "Plain thanks"
    assert message.to == ["customer@example.com"]


def test_text_only_simple_email_has_no_html(emulator: Emulator, verified_sender: str) -> None:
    message_id = _client(emulator, "ses").send_email(
        Source=verified_sender,
        Destination={"ToAddresses": ["a@example.com"]},
        Message={"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Just text"}}},
    )["MessageId"]
    message = _sent(emulator, message_id)
    assert (message.html, message.text) == ("", "Just text")


def test_outbox_json_shape() -> None:
    message = OutboxMessage("id-1", "a@x", ["b@x"], "S", "<p>h</p>", "t", "2026-01-02T12:00:00Z")
    assert message.to_json() == {
        "id": "id-1", "from": "a@x", "to": ["b@x"], "subject": "S", "html": "<p>h</p>", "text": "t",
        "sentAt": "2026-01-02T12:00:00Z",
    }  # fmt: skip


def test_templated_send_is_listed_with_its_data() -> None:
    class Templated:
        id = "t-1"
        source = SENDER
        template = "welcome"
        template_data = '{"name":"Ann"}'
        destinations: ClassVar[dict[str, list[str]]] = {"ToAddresses": ["a@example.com"]}

    message = to_outbox_message(Templated(), None, None)
    assert message.subject == "(SES template welcome)"
    assert message.text == '{"name":"Ann"}'


def test_page_escapes_emails_and_sandboxes_their_html() -> None:
    # Given an email whose subject and body carry markup and script
    hostile = OutboxMessage("m-1", "a@x", ["b@x"], "<script>alert(1)</script>", '<img src=x onerror="x()">', "", None)
    # When the outbox page is rendered
    page = render_outbox_page([hostile])
    # Then nothing of it is live on the page: the HTML sits escaped in a sandboxed srcdoc frame
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert 'sandbox=""' in page
    assert 'srcdoc="&lt;img src=x onerror=&quot;x()&quot;&gt;"' in page


def test_empty_outbox_page_says_so() -> None:
    assert "No emails yet" in render_outbox_page([])


def test_raw_parser_without_html_part() -> None:
    sender, to, subject, html_body, text = parse_raw("From: a@x\r\nTo: b@x\r\nSubject: S\r\n\r\nbody\r\n")
    assert (sender, to, subject, html_body, text.strip()) == ("a@x", ("b@x",), "S", "", "body")


def test_raw_emails_are_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a raw email (the outbox page, outbox.json and each state snapshot read every one)
    import email as email_package

    parsed = []
    original = email_package.message_from_string
    monkeypatch.setattr(email_package, "message_from_string", lambda *a, **k: parsed.append(1) or original(*a, **k))
    raw = "From: a@x\r\nTo: b@x, c@x\r\nSubject: Once\r\n\r\nbody\r\n"
    # When it is read three times, then it was parsed once and each read has the same answer
    answers = {parse_raw(raw) for _ in range(3)}
    assert len(parsed) == 1
    assert answers == {("a@x", ("b@x", "c@x"), "Once", "", "body\r\n")}


def test_request_inspection_helpers_ignore_other_requests() -> None:
    assert _simple_text_part(b"Action=ReceiveMessage") is None
    assert _simple_text_part(json.dumps({"Content": {"Raw": {}}}).encode()) is None
    assert _message_id(b"<x/>") is None
    assert _message_id(b"<MessageId>abc</MessageId>") == "abc"


def test_stopped_emulator_has_no_url() -> None:
    with pytest.raises(RuntimeError):
        _ = Emulator().url


def test_stats_count_each_operation_and_the_time_it_held_the_lock(emulator: Emulator) -> None:
    # Given the calls so far
    before = emulator.app.stats()
    # When a queue is created and sent three messages, and an SNS topic is created (query protocol)
    sqs = _client(emulator, "sqs")
    url = sqs.create_queue(QueueName="stats-probe")["QueueUrl"]
    for number in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=str(number))
    _client(emulator, "sns").create_topic(Name="stats-probe")
    after = emulator.app.stats()

    # Then each call is counted under its service and operation, and its time is accounted
    def count(stats: dict[str, Any], name: str) -> int:
        return int(stats["operations"].get(name, {}).get("requests", 0))

    assert count(after, "sqs:SendMessage") - count(before, "sqs:SendMessage") == 3
    assert count(after, "sqs:CreateQueue") - count(before, "sqs:CreateQueue") == 1
    assert count(after, "sns:CreateTopic") - count(before, "sns:CreateTopic") == 1
    assert after["requests"] - before["requests"] == 5
    assert after["busySeconds"] > before["busySeconds"]
    assert 0 < after["cpuSeconds"] - before["cpuSeconds"] <= after["busySeconds"] - before["busySeconds"] + 0.01


def test_queue_depth_read_directly_agrees_with_sqs(emulator: Emulator) -> None:
    # Given a queue with one visible, one received (in flight) and one delayed message
    sqs = _client(emulator, "sqs")
    url = sqs.create_queue(QueueName="depths", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="taken")
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)
    sqs.send_message(QueueUrl=url, MessageBody="waiting")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    # Then the emulator's own reading says what GetQueueAttributes says
    names = [f"ApproximateNumberOfMessages{kind}" for kind in ("", "NotVisible", "Delayed")]
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    assert emulator.app.queue_depth("depths") == tuple(int(counts[name]) for name in names) == (1, 1, 1)
    assert emulator.app.queue_depth("no-such-queue") is None


def test_priority_lock_serves_a_waiting_urgent_caller_before_a_waiting_background_one() -> None:
    # Given the lock held, a background caller waiting, then an urgent one
    lock, order = PriorityLock(), []
    lock.acquire()

    def take(name: str, *, urgent: bool) -> None:
        with lock.held(urgent=urgent):
            order.append(name)

    background = threading.Thread(target=take, args=("background",), kwargs={"urgent": False})
    background.start()
    assert eventually(lambda: lock.waiting() == (0, 1), 5, 0.005)
    urgent = threading.Thread(target=take, args=("urgent",), kwargs={"urgent": True})
    urgent.start()
    assert eventually(lambda: lock.waiting() == (1, 1), 5, 0.005)
    # When the holder lets go, the urgent caller goes first, then the background one
    lock.release()
    background.join(5)
    urgent.join(5)
    assert order == ["urgent", "background"]
    assert not lock.locked()


def test_priority_lock_runs_one_caller_at_a_time(eager_thread_switching: None) -> None:
    lock, inside, seen = PriorityLock(), [0], []

    def work(urgent: bool) -> None:
        for _ in range(200):
            with lock.held(urgent=urgent):
                inside[0] += 1
                seen.append(inside[0])
                inside[0] -= 1

    threads = [threading.Thread(target=work, args=(n % 2 == 0,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(seen) == 1200
    assert set(seen) == {1}


def test_a_background_callers_request_waits_behind_an_urgent_one(emulator: Emulator) -> None:
    # Given a table, and the emulator busy with another call (its lock held)
    dynamodb = _table(emulator, "turns")
    emulator.app.background_callers = frozenset({"local-a-consumer"})

    def put(key: str, value: str) -> None:
        client = boto3.client("dynamodb", region_name=REGION, endpoint_url=emulator.url,
                              aws_access_key_id=key, aws_secret_access_key="local")  # fmt: skip
        client.put_item(TableName="turns", Item={"pk": {"S": "last"}, "by": {"S": value}})

    try:
        emulator.lock.acquire()
        first = threading.Thread(target=put, args=("local-a-consumer", "background"))
        first.start()
        assert eventually(lambda: emulator.lock.waiting() == (0, 1), 5, 0.005)
        second = threading.Thread(target=put, args=("local-orders-api", "urgent"))
        second.start()
        assert eventually(lambda: emulator.lock.waiting() == (1, 1), 5, 0.005)
        emulator.lock.release()
        first.join(10)
        second.join(10)
    finally:
        emulator.app.background_callers = frozenset()
    # Then the urgent call, sent second, ran first: the background one wrote last
    item = dynamodb.get_item(TableName="turns", Key={"pk": {"S": "last"}})["Item"]
    assert item["by"] == {"S": "background"}
