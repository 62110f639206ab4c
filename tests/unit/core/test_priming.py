"""SnapStart priming (bbws.core.priming): inert outside a snapshot init; under one, every
function's rehearsal runs with AWS answered inside botocore; after restore, fresh randomness
and no connection from before the snapshot.

Each function is imported in a fresh interpreter, as Lambda does: `snapshot_restore_py`'s
registries are process-global, and the hooks register at import."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from bench.environment import lambda_environ

from bbws.core import aws, priming
from bbws.core.functions import BY_NAME, FUNCTIONS

ROOT = Path(__file__).resolve().parents[3]

# Imports one handler the way Lambda's runtime does, runs what it is asked to, prints JSON.
_SCRIPT = r"""
import importlib, io, json, os, random, sys
module, mode = sys.argv[1:]
before_import = set(sys.modules)
importlib.import_module(module)
out = {"imported_hooks_library": "snapshot_restore_py" in sys.modules, "boto3": "boto3" in sys.modules}
if mode == "inert":
    print(json.dumps(out)); sys.exit(0)
import snapshot_restore_py as hooks
before, after = hooks.get_before_snapshot(), hooks.get_after_restore()
out |= {"before": len(before), "after": len(after)}
captured, saved = io.StringIO(), sys.stdout
sys.stdout = captured
for function, args, kwargs in before[::-1]:
    function(*args, **kwargs)
sys.stdout = saved
out |= {"printed": captured.getvalue(), "boto3": "boto3" in sys.modules}
if mode == "prime":
    print(json.dumps(out)); sys.exit(0)
# mode "restore" or "no-restore": two environments restored from one snapshot. A snapshot
# copies memory, the generator's state with it (a fork would not do: `random` reseeds itself
# in a forked child), so each restore starts from the state priming left.
snapshot = random.getstate()
draws = []
for _ in range(2):
    random.setstate(snapshot)
    if mode == "restore":
        for function, args, kwargs in after:
            function(*args, **kwargs)
    draws.append([random.random(), random.getrandbits(64)])
out["draws"] = draws
print(json.dumps(out))
"""


def _run(function: str, mode: str, *, snap_start: bool = True) -> dict[str, Any]:
    spec = BY_NAME[function]
    environ = lambda_environ(spec, ROOT)
    environ["PYTHONPATH"] = str(ROOT / "src")
    # Nothing listens here: a call that reached the network would fail the hook.
    environ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"
    if snap_start:
        environ[priming.INITIALIZATION_TYPE] = priming.SNAP_START
    process = subprocess.run(
        [sys.executable, "-c", _SCRIPT, spec.module, mode],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert process.returncode == 0, process.stderr[-3000:]
    lines = process.stdout.strip().splitlines()
    return json.loads(lines[-1]) | {"stdout_lines": len(lines)}  # type: ignore[no-any-return]


@pytest.mark.parametrize("function", ["health", "orders-api", "email-events-consumer"])
def test_outside_a_snapshot_init_nothing_is_registered_or_imported(function: str) -> None:
    # Given an on-demand init (tests, the local stack, Lambda without SnapStart)
    outcome = _run(function, "inert", snap_start=False)
    # Then the hooks library is not even imported
    assert outcome["imported_hooks_library"] is False


def test_register_is_inert_without_snap_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(priming.INITIALIZATION_TYPE, raising=False)
    assert priming.register("health", lambda _event, _context: None) is False


@pytest.mark.parametrize("function", [f.name for f in FUNCTIONS])
def test_every_function_primes_before_the_snapshot_without_aws_logs_or_metrics(function: str) -> None:
    # Given a SnapStart init of the function, AWS unreachable
    outcome = _run(function, "prime")
    # Then it registered one hook each way, and its rehearsals ran through (none reached the
    # network, printed a log line or flushed a metric)
    assert (outcome["before"], outcome["after"]) == (1, 1)
    assert outcome["printed"] == ""
    assert outcome["stdout_lines"] == 1  # the script's own: the logger wrote nothing either
    # and health, which makes no AWS call, still never loads boto3
    assert outcome["boto3"] is (function != "health")


def test_the_paths_real_traffic_takes_are_rehearsed_besides_the_refused_ones() -> None:
    import bbws.campaigns.handlers.api
    import bbws.notifications.handlers.email_events
    import bbws.orders.handlers.consumer
    import bbws.products.handlers.api
    import bbws.tenants.handlers.api  # noqa: F401 - each registers its valid requests at import

    def described(function: str) -> set[str]:
        return {r.description for r in priming.rehearsals(BY_NAME[function])}

    assert "GET /products (valid request)" in described("products-api")
    assert "GET /campaigns (valid request)" in described("campaigns-api")
    assert "GET /tenants (valid request)" in described("tenants-api")
    assert described("orders-consumer") == {"a malformed message", "an order from a returning customer"}
    assert described("email-events-consumer") == {"a malformed message", "a hard bounce"}


def test_a_consumers_valid_message_writes_only_inside_botocore(aws_resources: Any) -> None:
    from bbws.orders.dal.repository import OrderRepository
    from bbws.orders.handlers import consumer

    # Given orders-consumer's own handler, AWS reachable (the emulator) but answered by the stub
    priming._STUB.calls.clear()
    # When it primes: the returning customer's order must be handled (no failed item, checked)
    priming.prime(BY_NAME["orders-consumer"], consumer._handler)
    # Then the order was written and announced, both answered inside botocore
    assert {"GetItem", "PutItem", "SendMessage"} <= set(priming._STUB.calls)
    # and nothing reached AWS: the order is not stored, the notifications queue is empty
    assert OrderRepository.from_settings().get(consumer.VALID_SUBMISSION.body["orderId"]) is None
    queue = aws_resources.settings["notifications_queue_url"]
    attributes = aws.sqs().get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_a_write_a_valid_message_does_not_name_fails_priming(aws_resources: Any) -> None:
    table = aws_resources.settings["orders_table_name"]
    priming.add_valid_message(
        "notifications-consumer", priming.ValidMessage("a test message", {"test": True}, list, frozenset({"PutItem"}))
    )
    try:

        def deletes(event: dict[str, Any], context: Any) -> dict[str, Any]:
            if json.loads(event["Records"][0]["body"]) == {"priming": True}:
                return {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
            aws.table(table).put_item(Item={"pk": "named", "sk": "named"})  # named: answered
            aws.table(table).delete_item(Key={"pk": "x", "sk": "y"})  # not named: refused
            return {"batchItemFailures": []}

        with pytest.raises(priming.PrimingError, match="called DeleteItem"):
            priming.prime(BY_NAME["notifications-consumer"], deletes)
        assert "Item" not in aws.table(table).get_item(Key={"pk": "named", "sk": "named"})
    finally:
        priming._VALID_MESSAGES["notifications-consumer"].pop()


def test_a_rehearsal_leaves_the_cold_start_to_the_first_real_invocation() -> None:
    import importlib

    flags = [importlib.import_module(name) for name in priming._COLD_START_FLAGS]
    # Given a rehearsal that ran the logger, metrics and tracer decorators (each clears its flag)
    with priming._quiet():
        for module in flags:
            module.is_cold_start = False  # type: ignore[attr-defined]
    # Then the first invocation after restore is the cold start again, for all three
    assert [module.is_cold_start for module in flags] == [True, True, True]  # type: ignore[attr-defined]


def test_environments_restored_from_one_snapshot_draw_different_random_numbers() -> None:
    # Given one primed snapshot, restored twice without the after-restore hook
    unhooked = _run("orders-api", "no-restore")["draws"]
    # then both environments draw the very same numbers (what the hook is for)
    assert unhooked[0] == unhooked[1]
    # When the after-restore hook runs in each
    hooked = _run("orders-api", "restore")["draws"]
    # Then they draw different ones
    assert hooked[0] != hooked[1]


def test_the_rehearsals_cover_every_route_of_an_api_function() -> None:
    rehearsed = {r.description for r in priming.rehearsals(BY_NAME["products-api"])}
    rehearsed.discard("GET /products (valid request)")  # once the handler module is imported
    assert rehearsed == {
        "GET /products",
        "POST /products",
        "GET /products/{productId}",
        "PUT /products/{productId}",
        "DELETE /products/{productId}",
    }
    consumer = priming.rehearsals(BY_NAME["orders-consumer"])[0]
    assert consumer.description == "a malformed message"


def test_a_rehearsal_answered_with_a_5xx_fails_priming() -> None:
    def broken(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"statusCode": 500, "body": "{}"}

    with pytest.raises(priming.PrimingError, match="health priming, GET /health: answered"):
        priming.prime(BY_NAME["health"], broken)


def test_a_rehearsal_can_never_write_to_aws(aws_resources: Any) -> None:
    # Given a handler that would store an item while rehearsing
    table = aws_resources.settings["orders_table_name"]

    def writes(event: dict[str, Any], context: Any) -> dict[str, Any]:
        aws.table(table).put_item(Item={"pk": "bbws-priming", "sk": "bbws-priming"})
        return {"statusCode": 202}

    # Then the call is refused inside botocore and priming fails
    with pytest.raises(priming.PrimingError, match="called PutItem"):
        priming.prime(BY_NAME["orders-api"], writes)
    # and once priming is over, the same client reaches AWS again (the stub is inactive)
    aws.table(table).put_item(Item={"pk": "after", "sk": "after"})
    assert aws.table(table).get_item(Key={"pk": "after", "sk": "after"})["Item"]


def test_the_order_rehearsal_is_accepted_and_its_message_never_leaves_the_process(aws_resources: Any) -> None:
    # Given orders-api's own handler, AWS reachable (the emulator) but answered by the stub
    from bbws.orders.handlers.api import app

    def unwrapped(event: dict[str, Any], context: Any) -> Any:
        return app.resolve(event, context)

    queue = aws_resources.settings["orders_queue_url"]
    priming._STUB.calls.clear()
    # When it primes: the valid order finds the priming catalog and is accepted (202, checked)
    priming.prime(BY_NAME["orders-api"], unwrapped)
    assert {"BatchGetItem", "SendMessage"} <= set(priming._STUB.calls)
    # Then its message was answered inside botocore: the queue holds nothing
    attributes = aws.sqs().get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0"
    # and the priming catalog is nowhere outside the stub: a real read does not find it
    assert "Item" not in aws.table(aws_resources.settings["products_table_name"]).get_item(
        Key={"pk": "PRODUCT#bbws-priming", "sk": "PRODUCT"}
    )


def test_reads_while_rehearsing_are_answered_empty_without_aws(aws_resources: Any) -> None:
    seen: list[Any] = []

    def reads(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(aws.table(aws_resources.settings["products_table_name"]).get_item(Key={"pk": "x", "sk": "y"}))
        return {"statusCode": 200}

    priming.prime(BY_NAME["products-api"], reads)
    assert all("Item" not in answer for answer in seen)
    assert len(seen) == len(priming.rehearsals(BY_NAME["products-api"]))


def test_every_client_of_a_consumer_has_made_a_request_before_the_snapshot(aws_resources: Any) -> None:
    # Given a consumer whose rehearsal makes no AWS call (its malformed message fails first)
    def fails_the_message(event: dict[str, Any], context: Any) -> dict[str, Any]:
        record = event["Records"][0]
        if json.loads(record["body"]) != {"priming": True}:  # a valid message: handled
            return {"batchItemFailures": []}
        return {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}

    # When it primes
    with priming._aws_answered(BY_NAME["email-events-consumer"]) as stub:
        pass
    # Then each of its clients (DynamoDB for the orders table, SESv2) made one read, answered
    # inside botocore, so the first real request does not resolve endpoints or build the
    # request path
    assert stub.calls == ["GetItem", "GetSuppressedDestination"]
    priming.prime(BY_NAME["email-events-consumer"], fails_the_message)
    # and, the stub inactive but still registered, the clients reach AWS again
    assert "Item" not in aws.table(aws_resources.settings["orders_table_name"]).get_item(Key={"pk": "a", "sk": "b"})
    assert stub.calls == ["GetItem", "GetSuppressedDestination"]


class _KeepAlive(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Recording

    def log_message(self, *args: object) -> None:  # noqa: ARG002
        return

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.peers.append(self.client_address[1])
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Recording(ThreadingHTTPServer):
    daemon_threads = True
    peers: list[int]


@pytest.fixture
def keep_alive_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Recording]:
    server = _Recording(("127.0.0.1", 0), _KeepAlive)
    server.peers = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_address[1]}")
    aws.reset()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        aws.reset()


def test_after_restore_no_connection_from_before_the_snapshot_is_reused(keep_alive_endpoint: _Recording) -> None:
    table = aws.table("bbws-priming")
    # Given a client whose pooled connection was opened before the snapshot
    table.get_item(Key={"pk": "x"})
    table.get_item(Key={"pk": "x"})
    peers = keep_alive_endpoint.peers
    assert peers[0] == peers[1]  # kept alive and reused, as botocore does
    # When the environment is restored
    priming.after_restore()
    table.get_item(Key={"pk": "x"})
    # Then the next call opens a new connection
    assert peers[2] != peers[1]


def test_every_function_registers_its_priming_by_its_own_name() -> None:
    # One registration per function, named as in bbws.core.functions (a typo would raise at
    # import under SnapStart, and verify boots every function that way).
    for function in FUNCTIONS:
        module = Path(ROOT / "src" / (function.module.replace(".", "/") + ".py")).read_text()
        assert f'function="{function.name}"' in module, function.name
