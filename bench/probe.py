"""One cold start probe: runs in a fresh interpreter, times init inside the process and, when
asked, the first and the warm invocations with AWS stubbed; never pays interpreter exit.

Run by `bench.coldstart` as `python -P bench/probe.py` with its instructions in the environment
(`BBWS_PROBE_*`, removed before the function's code runs). Only `os`, `sys` and `time` are
imported before init, so init pays for every other module the function needs, as in Lambda.

- **init** is `exec` of the init statements (importing the handler module builds its globals)
  plus, when priming is on, every `register_before_snapshot` hook in the order the Lambda runtime
  runs them (reverse order of registration); wall (`perf_counter`) and CPU (`process_time`).
- **restore**: the `register_after_restore` hooks, in registration order, timed apart.
- **first invocation**, then **warm** invocations of the same function on a representative
  event, each answered AWS calls from responses recorded against the emulator, the way
  `bench.warm` does: botocore validates, serialises and resolves the endpoint, then gets the
  recorded response instead of sending (`BaseClient._make_request` is replaced; no network).
  Events, responses and the context are prepared before each timed call.
- The figures go to `BBWS_PROBE_OUT` as JSON and the process ends with `os._exit(0)`: Lambda
  never runs interpreter teardown in a cold start, so the probe does not either.
"""

import os
import sys
import time

_HIDDEN = "BBWS_PROBE_HIDDEN"  # comma-separated top-level modules the Lambda zip does not hold
_INIT = "BBWS_PROBE_INIT"  # the init statements; they must bind `lambda_handler`
_PRIME = "BBWS_PROBE_PRIME"  # "1": run the before-snapshot hooks as part of init
_SPEC = "BBWS_PROBE_SPEC"  # JSON file: events and recorded AWS responses to invoke with
_OUT = "BBWS_PROBE_OUT"  # where the figures are written
_REPO = "BBWS_PROBE_REPO"  # appended to sys.path (floors live in bench/floors)


class _NotInZip:
    """Refuses modules installed here for tooling only, so init loads what the zip would hold
    (X-Ray's patching, for one, would otherwise find and patch `requests` from the dev group)."""

    def __init__(self, hidden: frozenset[str]) -> None:
        self.hidden = hidden

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:  # noqa: ARG002
        if name.partition(".")[0] in self.hidden:
            raise ModuleNotFoundError(f"No module named {name!r} (not in the Lambda zip)", name=name)


def _hooks(kind: str) -> list:  # type: ignore[type-arg]
    module = sys.modules.get("snapshot_restore_py")
    if module is None:  # nothing imported the hooks library: the function registered none
        return []
    hooks = list(module.get_before_snapshot() if kind == "before" else module.get_after_restore())
    return hooks[::-1] if kind == "before" else hooks


def _run(hooks: list) -> None:  # type: ignore[type-arg]
    for function, args, kwargs in hooks:
        function(*args, **kwargs)


def main() -> None:
    hidden = frozenset(filter(None, os.environ.pop(_HIDDEN, "").split(",")))
    sys.meta_path.insert(0, _NotInZip(hidden))
    repo = os.environ.pop(_REPO, "")
    if repo:
        sys.path.append(repo)  # last, so it adds no lookup to any module found before it
    code = compile(os.environ.pop(_INIT), "<init>", "exec")
    prime = os.environ.pop(_PRIME, "") == "1"
    spec_path, out_path = os.environ.pop(_SPEC, ""), os.environ.pop(_OUT)
    namespace: dict = {"__name__": "__probe__"}  # type: ignore[type-arg]

    wall, cpu = time.perf_counter_ns(), time.process_time_ns()
    exec(code, namespace)  # noqa: S102 - the bench's own init statements
    before = _hooks("before") if prime else []
    _run(before)
    init_wall, init_cpu = time.perf_counter_ns() - wall, time.process_time_ns() - cpu

    figures: dict = {  # type: ignore[type-arg]
        "init_wall_ms": init_wall / 1e6,
        "init_cpu_ms": init_cpu / 1e6,
        "modules": len(sys.modules),
        "top_modules": sorted({name.partition(".")[0] for name in sys.modules}),
        "before_snapshot_hooks": len(before),
    }
    if spec_path:
        figures |= _invoke(namespace["lambda_handler"], spec_path, prime)

    import json

    with open(out_path, "w") as out:
        json.dump(figures, out)
    sys.stdout.flush()
    os._exit(0)


# --- after init: invocations with AWS answered from recorded responses ----------------------


class _Context:
    """The attributes of Lambda's context object that Powertools and the handlers read."""

    function_name = "bbws-bench"
    function_version = "1"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:bbws-bench:live"
    aws_request_id = "bench-request"
    log_group_name = "/aws/lambda/bbws-bench"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def _decode(value: object) -> object:
    """Inverse of `bench.coldstart.encode`: bytes and datetimes travel tagged through JSON."""
    if isinstance(value, dict):
        if set(value) == {"__bytes__"}:
            import base64

            return base64.b64decode(value["__bytes__"])
        if set(value) == {"__datetime__"}:
            from datetime import datetime

            return datetime.fromisoformat(value["__datetime__"])
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


class _Replay:
    """Per operation, the responses one invocation gets, in call order (`bench.calls.Replay`)."""

    def __init__(self, calls: list) -> None:  # type: ignore[type-arg]
        from collections import defaultdict, deque

        self.pending: dict = defaultdict(deque)  # type: ignore[type-arg]
        for call in calls:
            self.pending[call["key"]].append(_decode(call["response"]))

    def answer(self, key: str) -> dict:  # type: ignore[type-arg]
        queue = self.pending.get(key)
        if not queue:
            raise RuntimeError(f"{key} was not recorded for this event")
        response = queue.popleft()
        body = response.get("Body")
        if isinstance(body, bytes):  # S3 GetObject: a fresh stream over the recorded bytes
            import io

            from botocore.response import StreamingBody

            response["Body"] = StreamingBody(io.BytesIO(body), len(body))
        return response  # type: ignore[no-any-return]


def _install_stub() -> list:  # type: ignore[type-arg]
    """Replace botocore's send-and-parse step; returns the slot holding the current replay."""
    from botocore.awsrequest import AWSResponse
    from botocore.client import BaseClient

    slot: list = [None]  # type: ignore[type-arg]

    def make_request(self, operation_model, request_dict, request_context):  # type: ignore[no-untyped-def]  # noqa: ARG001
        key = f"{self.meta.service_model.service_id.hyphenize()}.{operation_model.name}"
        response = slot[0].answer(key)
        # a recorded 4xx (bench.calls.status_of) comes back as the same ClientError
        status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 200))
        return AWSResponse("https://bench.invalid/", status, {}, None), response

    BaseClient._make_request = make_request  # type: ignore[method-assign]
    return slot


def _check(response: object, status: int | None) -> None:
    if not isinstance(response, dict):
        return
    if status is not None and response.get("statusCode") != status:
        raise RuntimeError(f"answered {response.get('statusCode')}, recorded {status}: {str(response)[:300]}")
    if response.get("batchItemFailures"):
        raise RuntimeError(f"the consumer failed the record: {response['batchItemFailures']}")


def _invoke(handler, spec_path: str, prime: bool) -> dict:  # type: ignore[no-untyped-def, type-arg]
    import copy
    import json
    import statistics

    with open(spec_path) as source:
        spec = json.load(source)
    first, warm, count = spec["first"], spec["warm"], int(spec["warm_invocations"])
    needs_aws = bool(first["calls"] or warm["calls"]) or "botocore" in sys.modules
    slot = _install_stub() if needs_aws else [None]
    context = _Context()
    perf, thread = time.perf_counter_ns, time.thread_time_ns

    after = _hooks("after") if prime else []
    wall, cpu = perf(), thread()
    _run(after)
    restore_wall, restore_cpu = perf() - wall, thread() - cpu

    def once(step: dict) -> tuple[float, float]:  # type: ignore[type-arg]
        event, slot[0] = copy.deepcopy(step["event"]), _Replay(step["calls"])
        wall, cpu = perf(), thread()
        response = handler(event, context)
        cpu, wall = thread() - cpu, perf() - wall
        _check(response, step.get("status"))
        leftover = sum(len(queue) for queue in slot[0].pending.values())
        if leftover:
            raise RuntimeError(f"{leftover} recorded AWS responses were not asked for")
        return cpu / 1e6, wall / 1e6

    first_cpu, first_wall = once(first)
    warm_runs = [once(warm) for _ in range(count)]
    return {
        "restore_cpu_ms": restore_cpu / 1e6,
        "restore_wall_ms": restore_wall / 1e6,
        "after_restore_hooks": len(after),
        "first_cpu_ms": first_cpu,
        "first_wall_ms": first_wall,
        "warm_cpu_median_ms": statistics.median(cpu for cpu, _ in warm_runs),
        "warm_wall_median_ms": statistics.median(wall for _, wall in warm_runs),
        "warm_invocations": count,
    }


if __name__ == "__main__":
    main()
