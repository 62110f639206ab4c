"""Where the AWS emulator (moto) differs from AWS, fixed in this one module.

Each fix is a small, named patch of moto with a note saying what moto does wrong. Every fix has
a test in `tests/unit/local/test_moto_fixes.py` that reproduces the bug against unpatched moto
(`unpatched(name)`): that test fails once moto itself is fixed, which is the signal to delete the
patch. `apply()` installs every fix once per process; the emulator calls it before it serves, so
`make run`, the deploy rehearsal and the tests all talk to the same patched moto.

To add one: write `_install_<name>()` that patches moto and returns a function undoing it, and
list it in `FIXES` with what moto does wrong and the moto version it was seen in.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.ses.exceptions import NotFoundException, SesError
from moto.ses.models import ses_backends
from moto.ses.responses import EmailResponse
from moto.sesv2 import urls
from moto.sesv2.responses import SESV2Response

Undo = Callable[[], None]


@dataclass(frozen=True)
class MotoFix:
    name: str
    wrong: str  # what moto does that AWS does not (seen in the version below)
    seen_in: str
    install: Callable[[], Undo]


def _add_methods(cls: type, methods: dict[str, Callable[..., Any]]) -> Undo:
    """Give `cls` the methods it lacks; the undo takes them away again."""
    added = [name for name in methods if name not in cls.__dict__]
    for name in added:
        setattr(cls, name, methods[name])

    def undo() -> None:
        for name in added:
            delattr(cls, name)

    return undo


def _add_sesv2_paths(paths: list[str]) -> Undo:
    """Route these SESv2 paths to its responses in moto's server too: the server routes only
    listed paths (its catch-all `/v2/.*` is taken literally), while in-process moto finds the
    operation from botocore's model. Must run before the emulator serves its first SES call."""

    added = [path for path in paths if path not in urls.url_paths]
    for path in added:
        urls.url_paths[path] = SESV2Response.dispatch

    def undo() -> None:
        for path in added:
            urls.url_paths.pop(path, None)

    return undo


def _both(*undos: Undo) -> Undo:
    def undo() -> None:
        for step in undos:
            step()

    return undo


def ses_extras(account_id: str, region: str) -> dict[str, Any]:
    """The SESv2 fixes' state of one account and region (suppression list, account flags), kept
    on moto's SES backend (so a moto reset, which builds new backends, empties it like every
    other state); JSON-serialisable, which is how the local stack saves it."""
    backend = ses_backends[account_id][region]
    state: dict[str, Any] = backend.__dict__.setdefault(
        "_bbws_sesv2", {"suppressed": {}, "production_access": False, "sending_enabled": True}
    )
    return state


def _ses_state(response: Any) -> dict[str, Any]:
    return ses_extras(response.current_account, response.region)


def _path_address(response: Any) -> str:
    """The address at the end of /v2/email/suppression/addresses/<address>."""
    return unquote(str(response.path).split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1])


def _install_sesv2_suppression_list() -> Undo:

    def put_suppressed_destination(self: Any) -> str:
        body = json.loads(self.body or "{}")
        address, reason = str(body["EmailAddress"]), str(body["Reason"])
        if reason not in ("BOUNCE", "COMPLAINT"):
            raise NotFoundException(f"invalid reason {reason}")  # AWS: a BadRequestException
        _ses_state(self)["suppressed"][address.lower()] = {
            "EmailAddress": address,
            "Reason": reason,
            "LastUpdateTime": datetime.now(UTC).timestamp(),
        }
        return "{}"

    def get_suppressed_destination(self: Any) -> str:
        entry = _ses_state(self)["suppressed"].get(_path_address(self).lower())
        if entry is None:
            raise NotFoundException(f"{_path_address(self)} is not on the suppression list")
        return json.dumps({"SuppressedDestination": {**entry, "Attributes": {}}})

    def delete_suppressed_destination(self: Any) -> str:
        if _ses_state(self)["suppressed"].pop(_path_address(self).lower(), None) is None:
            raise NotFoundException(f"{_path_address(self)} is not on the suppression list")
        return "{}"

    def list_suppressed_destinations(self: Any) -> str:
        entries = sorted(_ses_state(self)["suppressed"].values(), key=lambda e: e["EmailAddress"])
        return json.dumps({"SuppressedDestinationSummaries": entries})

    return _both(
        _add_methods(
            SESV2Response,
            {
                "put_suppressed_destination": put_suppressed_destination,
                "get_suppressed_destination": get_suppressed_destination,
                "delete_suppressed_destination": delete_suppressed_destination,
                "list_suppressed_destinations": list_suppressed_destinations,
            },
        ),
        _add_sesv2_paths(
            ["{0}/v2/email/suppression/addresses$", "{0}/v2/email/suppression/addresses/(?P<EmailAddress>[^/]+)$"]
        ),
    )


# A new account's SES sandbox quota (AWS: 200 emails per 24 hours, 1 per second).
SANDBOX_QUOTA = {"Max24HourSend": 200.0, "MaxSendRate": 1.0}
PRODUCTION_QUOTA = {"Max24HourSend": 50000.0, "MaxSendRate": 14.0}


def _install_sesv2_account() -> Undo:

    def get_account(self: Any) -> str:
        state = _ses_state(self)
        production = bool(state["production_access"])
        sent = ses_backends[self.current_account][self.region].sent_message_count
        return json.dumps(
            {
                "DedicatedIpAutoWarmupEnabled": False,
                "EnforcementStatus": "HEALTHY",
                "ProductionAccessEnabled": production,
                "SendQuota": {**(PRODUCTION_QUOTA if production else SANDBOX_QUOTA), "SentLast24Hours": float(sent)},
                "SendingEnabled": bool(state["sending_enabled"]),
                "SuppressionAttributes": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
            }
        )

    def put_account_details(self: Any) -> str:
        # In AWS this asks for production access and a person reviews it; the emulator grants it.
        body = json.loads(self.body or "{}")
        if "ProductionAccessEnabled" in body:
            _ses_state(self)["production_access"] = bool(body["ProductionAccessEnabled"])
        return "{}"

    def put_account_sending_attributes(self: Any) -> str:
        body = json.loads(self.body or "{}")
        _ses_state(self)["sending_enabled"] = bool(body.get("SendingEnabled", True))
        return "{}"

    return _both(
        _add_methods(
            SESV2Response,
            {
                "get_account": get_account,
                "put_account_details": put_account_details,
                "put_account_sending_attributes": put_account_sending_attributes,
            },
        ),
        _add_sesv2_paths(["{0}/v2/email/account$", "{0}/v2/email/account/details$", "{0}/v2/email/account/sending$"]),
    )


class EventDestinationDoesNotExist(SesError):
    code = "EventDestinationDoesNotExist"  # SES v1's error for it


def _install_ses_delete_event_destination() -> Undo:
    def delete_configuration_set_event_destination(self: Any) -> Any:
        configuration_set = self._get_param("ConfigurationSetName")
        name = self._get_param("EventDestinationName")
        backend = ses_backends[self.current_account][self.region]
        current = backend.config_set_event_destination.get(configuration_set)
        if current is None or current.get("Name") != name:
            raise EventDestinationDoesNotExist(f"no event destination {name} in {configuration_set}")
        del backend.config_set_event_destination[configuration_set]
        backend.event_destinations.pop(name, None)
        return EmptyResult()

    return _add_methods(
        EmailResponse, {"delete_configuration_set_event_destination": delete_configuration_set_event_destination}
    )


def _install_cloudwatch_describe_alarms_filters() -> Undo:
    original = CloudWatchResponse.describe_alarms

    def describe_alarms(self: Any) -> Any:
        # AWS applies every filter given; moto applies the first of prefix, names, state.
        prefix = self._get_param("AlarmNamePrefix")
        names = set(self._get_param("AlarmNames", []))
        state = self._get_param("StateValue")
        backend = self.cloudwatch_backend
        alarms = (
            backend.get_alarms_by_action_prefix(self._get_param("ActionPrefix"))
            if self._get_param("ActionPrefix")
            else backend.describe_alarms()
        )
        kept = [
            alarm
            for alarm in alarms
            if (not prefix or alarm.name.startswith(prefix))
            and (not names or alarm.name in names)
            and (not state or alarm.state_value == state)
        ]
        return ActionResult(
            {
                "MetricAlarms": [a for a in kept if a.rule is None],
                "CompositeAlarms": [a for a in kept if a.rule is not None],
            }
        )

    CloudWatchResponse.describe_alarms = describe_alarms  # type: ignore[method-assign]

    def undo() -> None:
        CloudWatchResponse.describe_alarms = original  # type: ignore[method-assign]

    return undo


FIXES: tuple[MotoFix, ...] = (
    MotoFix(
        "sesv2_suppression_list",
        "SESv2 Put/Get/Delete/ListSuppressedDestination(s) are not implemented (the account-level "
        "suppression list the email-events consumer writes and the notifier reads)",
        "5.2.5",
        _install_sesv2_suppression_list,
    ),
    MotoFix(
        "sesv2_account",
        "SESv2 GetAccount (sandbox or production access, send quota) and PutAccountDetails are not "
        "implemented; the emulated account starts in the sandbox, as a new AWS account does",
        "5.2.5",
        _install_sesv2_account,
    ),
    MotoFix(
        "ses_delete_event_destination",
        "SES DeleteConfigurationSetEventDestination is not implemented, so destroying the "
        "configuration set's event destination (Terraform's aws_ses_event_destination) never ends",
        "5.2.5",
        _install_ses_delete_event_destination,
    ),
    MotoFix(
        "cloudwatch_describe_alarms_filters",
        "CloudWatch DescribeAlarms applies only the first of AlarmNamePrefix, AlarmNames and "
        "StateValue (AWS applies all), so `bbws status` would list alarms that are not in ALARM",
        "5.2.5",
        _install_cloudwatch_describe_alarms_filters,
    ),
)

_lock = threading.Lock()
_installed: dict[str, Undo] = {}


# server_dispatch_scans' lists of each moto response class's methods: forgotten whenever a fix is
# installed or undone, since fixes add and remove such methods.
_kept_method_names: dict[Any, tuple[tuple[int, ...], list[str]]] = {}


def apply() -> None:
    """Install every fix (idempotent)."""
    with _lock:
        for fix in FIXES:
            if fix.name not in _installed:
                _installed[fix.name] = fix.install()
        _kept_method_names.clear()


def by_name(name: str) -> MotoFix:
    return next(fix for fix in FIXES if fix.name == name)


@contextmanager
def unpatched(name: str) -> Iterator[None]:
    """moto without this one fix, for the test that shows the bug is still there."""
    with _lock:
        undo = _installed.pop(name, None)
        if undo is not None:
            undo()
        _kept_method_names.clear()
    try:
        yield
    finally:
        with _lock:
            if undo is not None:
                _installed[name] = by_name(name).install()
            _kept_method_names.clear()


# --- sqs_queue_scans ------------------------------------------------------------------------

_counts = threading.local()  # .off: inside a call that reads queue attributes but not the counts

_COUNT_PROPERTIES = (
    "approximate_number_of_messages",
    "approximate_number_of_messages_not_visible",
    "approximate_number_of_messages_delayed",
)


class _VisibleMessages:
    """`Queue.messages` without building the list: iterated lazily (a receive stops after the
    messages it returns), counted or tested for emptiness only when asked."""

    def __init__(self, messages: list[Any]) -> None:
        self._messages = messages

    def __iter__(self) -> Iterator[Any]:
        return (message for message in self._messages if message.visible and not message.delayed)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return any(True for _ in self)


def _install_sqs_queue_scans() -> Undo:
    from moto.core.utils import unix_time  # noqa: PLC0415 - moto is imported only where the emulator runs
    from moto.sqs import models  # noqa: PLC0415
    from moto.sqs.exceptions import ReceiptHandleIsInvalid  # noqa: PLC0415

    queue_class, backend_class = models.Queue, models.SQSBackend
    saved_queue = {name: queue_class.__dict__[name] for name in (*_COUNT_PROPERTIES, "messages", "delete_message")}
    saved_send = backend_class.send_message
    saved_retention = backend_class.is_message_valid_based_on_retention_period

    def counted(original: property) -> property:
        def count(self: Any) -> int:
            return 0 if getattr(_counts, "off", False) else int(original.fget(self))  # type: ignore[misc]

        return property(count)

    def messages(self: Any) -> _VisibleMessages:
        return _VisibleMessages(self._messages)

    def delete_message(self: Any, receipt_handle: str) -> None:
        if receipt_handle in self.deleted_messages:
            return  # deleting again is harmless, as in SQS
        found = next((m for m in self._messages if m.receipt_handle == receipt_handle), None)
        if found is None:  # an older handle of a message received again since
            found = next((m for m in self._messages if receipt_handle in m._old_receipt_handles), None)
        if found is None:
            raise ReceiptHandleIsInvalid()
        self.pending_messages.discard(found)
        self.deleted_messages.update(found.all_receipt_handles)
        self._messages.remove(found)

    def send_message(self: Any, *args: Any, **kwargs: Any) -> Any:
        # send reads queue.attributes only for ContentBasedDeduplication: skip the counts.
        _counts.off = True
        try:
            return saved_send(self, *args, **kwargs)
        finally:
            _counts.off = False

    def retention_ok(self: Any, queue_name: str, message: Any) -> bool:
        retention = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention + message.sent_timestamp / 1000 > unix_time())

    for name in _COUNT_PROPERTIES:
        setattr(queue_class, name, counted(saved_queue[name]))
    replacements = {"messages": property(messages), "delete_message": delete_message}
    for name, value in replacements.items():
        setattr(queue_class, name, value)
    setattr(backend_class, "send_message", send_message)  # noqa: B010 - mypy refuses method assignment
    setattr(backend_class, "is_message_valid_based_on_retention_period", retention_ok)  # noqa: B010

    def undo() -> None:
        for name, value in saved_queue.items():
            setattr(queue_class, name, value)
        setattr(backend_class, "send_message", saved_send)  # noqa: B010
        setattr(backend_class, "is_message_valid_based_on_retention_period", saved_retention)  # noqa: B010

    return undo


FIXES += (
    MotoFix(
        name="sqs_queue_scans",
        wrong=(
            "SQS work grows with queue depth: every SendMessage and every message a ReceiveMessage "
            "returns rebuilds all queue attributes, counting every message three times "
            "(ApproximateNumberOf*), ReceiveMessage first lists every visible message, and "
            "DeleteMessage scans every message's receipt handles twice and rebuilds the list "
            "(ReceiveMessage(10) took 17 ms at depth 30 and 221 ms at 500). Fixed: send and each "
            "received message do constant work, a receive reads only up to the messages it returns, "
            "a delete stops at its message; only GetQueueAttributes counts, once per attribute"
        ),
        seen_in="moto 5.2.5",
        install=_install_sqs_queue_scans,
    ),
)


# --- server_dispatch_scans ------------------------------------------------------------------


def _install_server_dispatch_scans() -> Undo:
    from moto.core import responses  # noqa: PLC0415 - moto is imported only where the emulator runs
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: PLC0415

    saved_lookup = DomainDispatcherApplication.get_backend_for_host
    saved_names = getattr(responses, "method_names_from_class")  # noqa: B009 - not in moto's exports
    backends: dict[str | None, Any] = {}
    names = _kept_method_names

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        # A host's backend depends only on moto's static tables: found once, then looked up.
        if host not in backends:
            found = saved_lookup(self, host)
            if found is None:
                return None  # not kept: moto says so (a print) each time, as before
            backends[host] = found
        return backends[host]

    def method_names_from_class(clazz: Any) -> list[str]:
        # Kept per class until a fix is installed or undone (the fixes here add methods to
        # moto's response classes: `apply` and `unpatched` forget every list), and while no class
        # in its MRO gains or loses an attribute (a changed size lists them afresh).
        shape = tuple(len(vars(base)) for base in clazz.__mro__)
        kept = names.get(clazz)
        if kept is None or kept[0] != shape:
            kept = (shape, saved_names(clazz))
            names[clazz] = kept
        return kept[1]

    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]
    setattr(responses, "method_names_from_class", method_names_from_class)  # noqa: B010

    def undo() -> None:
        DomainDispatcherApplication.get_backend_for_host = saved_lookup  # type: ignore[method-assign]
        setattr(responses, "method_names_from_class", saved_names)  # noqa: B010

    return undo


FIXES += (
    MotoFix(
        name="server_dispatch_scans",
        wrong=(
            "moto's server redoes static work on every request: finding the backend for the Host "
            "header lists moto's package directory (a stat of some 200 folders) and tries every "
            "backend's URL patterns, and dispatching an action lists the response class's methods "
            "with inspect.getmembers; about a quarter of the emulator's time per call in the "
            "local throughput bench. Fixed: both are kept once found"
        ),
        seen_in="moto 5.2.5",
        install=_install_server_dispatch_scans,
    ),
)

# --- serializer_alias_lookups ---------------------------------------------------------------

# The attribute names one alias picker tries for one member, kept per (picker class, its alias
# providers, the object's class, the member's name, the member's shape and its parent). botocore
# keeps each shape once per service model, so the keys are few; the bound is a guard.
_alias_keys: dict[tuple[Any, ...], tuple[str, ...]] = {}
_ALIAS_KEYS_KEPT = 65536


def _install_serializer_alias_lookups() -> Undo:
    from moto.core import serialize  # noqa: PLC0415 - moto is imported only where the emulator runs
    from moto.core import utils as moto_utils  # noqa: PLC0415

    missing, get_value = getattr(moto_utils, "MISSING"), moto_utils.get_value  # noqa: B009 - not in its exports

    saved_pick = serialize.AttributePicker.__call__
    saved_get_value = serialize.ResponseSerializer.get_value

    def pick(self: Any, context: Any) -> Any:
        obj, shape = context.obj, context.shape
        if "Meta" in getattr(obj, "__dict__", ()):  # aliases of this one object: not kept
            return saved_pick(self, context)
        parent = getattr(shape, "parent", None)
        kept_key = (type(self), tuple(self.alias_providers), type(obj), context.key, shape, parent)
        keys = _alias_keys.get(kept_key)
        if keys is None:
            keys = tuple(self.get_possible_keys(context))
            if len(_alias_keys) >= _ALIAS_KEYS_KEPT:
                _alias_keys.clear()
            _alias_keys[kept_key] = keys
        for possible_key in keys:
            value = get_value(obj, possible_key, missing)
            if value is not missing:
                break
        else:
            value = None
        if self.response_transformers:
            key_path = f"{context.key_path}.{context.key}"
            for transform_path, transform in self.response_transformers.items():
                if key_path.endswith(transform_path):
                    return transform(value)
        return value

    def serializer_get_value(self: Any, value: Any, key: str, shape: Any) -> Any:
        # The key path (a join of the path so far) is read only by response transformers.
        if getattr(self._value_picker, "response_transformers", None):
            return saved_get_value(self, value, key, shape)
        context = serialize.AttributePickerContext(
            obj=value,
            key=key,
            shape=shape,
            operation_model=self.operation_model,
            service_model=self.operation_model.service_model,
        )
        return self._value_picker(context)

    serialize.AttributePicker.__call__ = pick  # type: ignore[method-assign]
    serialize.ResponseSerializer.get_value = serializer_get_value  # type: ignore[method-assign]

    def undo() -> None:
        serialize.AttributePicker.__call__ = saved_pick  # type: ignore[method-assign]
        serialize.ResponseSerializer.get_value = saved_get_value  # type: ignore[method-assign]
        _alias_keys.clear()

    return undo


FIXES += (
    MotoFix(
        name="serializer_alias_lookups",
        wrong=(
            "moto's response serializer works out again, for every member of every structure it "
            "writes, which attribute names to try on the Python object: six alias providers are "
            "created and asked each time (a DynamoDB item of 40 values asks some 2,400 times), and "
            "the path so far is joined for each lookup although only response transformers read "
            "it. Fixed: the names are kept per member shape and object class, the path is joined "
            "only for a picker with transformers"
        ),
        seen_in="moto 5.2.5",
        install=_install_serializer_alias_lookups,
    ),
)

# --- random_strings_per_character ----------------------------------------------------------


def _install_random_strings_per_character() -> Undo:
    import string  # noqa: PLC0415

    from moto.moto_api._internal.moto_random import MotoRandom  # noqa: PLC0415

    def get_random_string(self: Any, length: int = 20, include_digits: bool = True, lower_case: bool = False) -> str:
        pool = string.ascii_letters + (string.digits if include_digits else "")
        random_str = "".join(self.choices(pool, k=length))  # the same characters, drawn in one call
        return random_str.lower() if lower_case else random_str

    def get_random_hex(self: Any, length: int = 8) -> str:
        return "".join(self.choices("0123456789abcdef", k=length))

    return _both(
        _replace(MotoRandom, "get_random_string", get_random_string),
        _replace(MotoRandom, "get_random_hex", get_random_hex),
    )


FIXES += (
    MotoFix(
        name="random_strings_per_character",
        wrong=(
            "moto draws its random strings (the 52-character request id of every answer, message "
            "ids, receipt handles) one `random.choice` per character; about 3 % of the emulator's "
            "time per call. Fixed: drawn with one `random.choices` call (same alphabet, still from "
            "moto's seedable generator)"
        ),
        seen_in="moto 5.2.5",
        install=_install_random_strings_per_character,
    ),
)

# --- Fixes found by applying the real Terraform (the unmodified environments/dev root) to the
# emulator with the AWS provider 5.100 (`make rehearse`, docs/operations.md). Each patches a
# different moto attribute, so `unpatched()` of one leaves the others in place. --------------

_ABSENT = object()


def _replace(owner: Any, name: str, value: Any) -> Undo:
    """Set `owner.name` to `value`; the undo puts back what `owner` itself had (or removes it)."""
    original = owner.__dict__.get(name, _ABSENT)
    setattr(owner, name, value)

    def undo() -> None:
        if original is _ABSENT:
            delattr(owner, name)
        else:
            setattr(owner, name, original)

    return undo


def _install_sesv2_sending_enabled_is_a_bool() -> Undo:
    from moto.ses.models import ConfigurationSet  # noqa: PLC0415 - moto only where the emulator runs

    original = ConfigurationSet.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        # moto keeps the whole SendingOptions map and nests it again on the way out.
        if isinstance(self.enabled, dict):
            self.enabled = bool(self.enabled.get("SendingEnabled", True))

    return _replace(ConfigurationSet, "__init__", __init__)


def _install_sesv2_configuration_set_omits_unset_options() -> Undo:
    from moto.ses.models import ConfigurationSet  # noqa: PLC0415

    original = ConfigurationSet.to_dict_v2

    def to_dict_v2(self: Any) -> dict[str, Any]:
        # AWS leaves out an option block that was never set; the provider reads an empty block as
        # one set to its zero values and plans to change it on every run.
        shape: dict[str, Any] = original(self)
        return {key: value for key, value in shape.items() if value != {}}

    return _replace(ConfigurationSet, "to_dict_v2", to_dict_v2)


def _install_sesv2_identity_tags_under_the_identity_arn() -> Undo:
    import moto.ses.models  # noqa: PLC0415
    import moto.sesv2.models  # noqa: PLC0415
    from moto.ses.utils import get_arn as original  # noqa: PLC0415

    def get_arn(backend: Any, service: str, resource: str) -> str:
        # An email identity's ARN is ...:identity/<name> (what the provider and AWS tag and list);
        # moto tags ...:email-identity/<name>.
        if resource.startswith("email-identity/"):
            resource = "identity/" + resource.removeprefix("email-identity/")
        return str(original(backend, service, resource))

    return _both(_replace(moto.ses.models, "get_arn", get_arn), _replace(moto.sesv2.models, "get_arn", get_arn))


# The request context the emulator knows: it stands in for AWS's HTTPS endpoints.
_KNOWN_CONDITION_VALUES = {"aws:securetransport": "true"}


def _condition_holds(condition: dict[str, dict[str, Any]]) -> bool:
    """A `Bool` condition on a key the emulator knows holds or not; any other condition is taken
    as not holding, so its statement neither allows nor denies."""
    for operator, pairs in condition.items():
        if operator != "Bool":
            return False
        for key, expected in pairs.items():
            actual = _KNOWN_CONDITION_VALUES.get(key.lower())
            values = expected if isinstance(expected, list) else [expected]
            if actual is None or actual not in {str(value).lower() for value in values}:
                return False
    return True


def _install_s3_bucket_policy_conditions() -> Undo:
    from moto.iam.access_control import IAMPolicy, PermissionResult  # noqa: PLC0415
    from moto.s3.models import FakeBucket  # noqa: PLC0415

    def get_permission(self: Any, action: str, resource: str) -> Any:
        # moto ignores condition operators it does not know (Bool among them), so every such
        # statement applies: the TLS-only `Deny ... Bool aws:SecureTransport false` denies all.
        if self.policy is None:
            return PermissionResult.NEUTRAL
        document = json.loads(self.policy)
        statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
        applicable = [
            {key: value for key, value in statement.items() if key != "Condition"}
            for statement in statements
            if "Condition" not in statement or _condition_holds(statement["Condition"])
        ]
        return IAMPolicy(json.dumps({**document, "Statement": applicable})).is_action_permitted(action, resource)

    return _replace(FakeBucket, "get_permission", get_permission)


def _install_sqs_redrive_allow_policy_returned() -> Undo:
    from moto.sqs.models import Queue  # noqa: PLC0415

    original = Queue.__dict__["attributes"]

    def attributes(self: Any) -> dict[str, Any]:
        # "" (how a policy is removed) means none: AWS then returns no attribute at all.
        result: dict[str, Any] = original.fget(self)
        if not result.get("RedriveAllowPolicy"):
            result.pop("RedriveAllowPolicy", None)
        return result

    return _both(
        _replace(Queue, "BASE_ATTRIBUTES", [*Queue.BASE_ATTRIBUTES, "RedriveAllowPolicy"]),
        _replace(Queue, "redrive_allow_policy", None),  # a queue created without one
        _replace(Queue, "attributes", property(attributes)),
    )


def _install_sqs_set_attributes_keeps_the_policy() -> Undo:
    from moto.sqs.models import Queue  # noqa: PLC0415

    original = Queue._set_attributes

    def _set_attributes(self: Any, attributes: dict[str, Any], now: float | None = None) -> None:
        kept = getattr(self, "policy", None)
        original(self, attributes, now)
        if "Policy" not in attributes:  # moto sets Policy from every call, so one without it drops it
            self.policy = kept

    return _replace(Queue, "_set_attributes", _set_attributes)


def _install_sqs_redrive_policy_compact() -> Undo:
    from moto.sqs.models import SQSBackend  # noqa: PLC0415

    original = SQSBackend.get_queue_attributes

    def get_queue_attributes(self: Any, queue_name: str, attribute_names: list[str]) -> dict[str, Any]:
        attributes: dict[str, Any] = dict(original(self, queue_name, attribute_names))
        if attributes.get("RedrivePolicy"):
            policy = json.loads(attributes["RedrivePolicy"])
            attributes["RedrivePolicy"] = json.dumps(policy, separators=(",", ":"))
        return attributes

    return _replace(SQSBackend, "get_queue_attributes", get_queue_attributes)


def _install_lambda_function_configuration() -> Undo:
    from moto.awslambda.models import LambdaFunction  # noqa: PLC0415

    original_init = LambdaFunction.__init__
    original_get = LambdaFunction.get_configuration
    original_update = LambdaFunction.update_configuration

    def __init__(self: Any, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        original_init(self, account_id, spec, *args, **kwargs)
        # AWS's defaults: text logs in /aws/lambda/<name>, no SnapStart.
        self.bbws_logging_config = {
            "LogFormat": "Text",
            "LogGroup": f"/aws/lambda/{self.function_name}",
            **(spec.get("LoggingConfig") or {}),
        }
        self.bbws_snap_start = str((spec.get("SnapStart") or {}).get("ApplyOn", "None"))

    def get_configuration(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config: dict[str, Any] = original_get(self, *args, **kwargs)
        if hasattr(self, "bbws_logging_config"):
            config["LoggingConfig"] = dict(self.bbws_logging_config)
            published = str(self.version) != "$LATEST"
            on = self.bbws_snap_start == "PublishedVersions" and published
            config["SnapStart"] = {"ApplyOn": self.bbws_snap_start, "OptimizationStatus": "On" if on else "Off"}
        return config

    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if config_updates.get("LoggingConfig"):
            self.bbws_logging_config = {**self.bbws_logging_config, **config_updates["LoggingConfig"]}
        if config_updates.get("SnapStart"):
            self.bbws_snap_start = str(config_updates["SnapStart"].get("ApplyOn", "None"))
        return dict(original_update(self, config_updates))

    return _both(
        _replace(LambdaFunction, "__init__", __init__),
        _replace(LambdaFunction, "get_configuration", get_configuration),
        _replace(LambdaFunction, "update_configuration", update_configuration),
    )


def _install_lambda_event_source_mapping_keeps_the_alias() -> Undo:
    from moto.awslambda.models import EventSourceMapping, LambdaBackend  # noqa: PLC0415
    from moto.awslambda.utils import make_function_arn  # noqa: PLC0415

    original_get = EventSourceMapping.get_configuration
    original_update = LambdaBackend.update_event_source_mapping

    def get_configuration(self: Any) -> dict[str, Any]:
        # AWS answers the function ARN as it was given (an alias's, which is what the queue
        # invokes); moto answers the ARN of the version the alias pointed at.
        config: dict[str, Any] = original_get(self)
        given = str(self.function_name)
        config["FunctionArn"] = (
            given if given.startswith("arn:") else make_function_arn(self.region, self.account_id, given)
        )
        return config

    def update_event_source_mapping(self: Any, uuid: str, spec: dict[str, Any]) -> Any:
        mapping = original_update(self, uuid, spec)
        if mapping is not None and spec.get("FunctionName"):
            mapping.function_name = spec["FunctionName"]
        return mapping

    return _both(
        _replace(EventSourceMapping, "get_configuration", get_configuration),
        _replace(LambdaBackend, "update_event_source_mapping", update_event_source_mapping),
    )


def _install_apigateway_account_role_reset() -> Undo:
    from moto.apigateway.models import Account  # noqa: PLC0415

    original = Account.apply_patch_operations

    def apply_patch_operations(self: Any, patch_operations: list[dict[str, Any]]) -> Any:
        rest = []
        for operation in patch_operations:
            if operation.get("path") == "/cloudwatchRoleArn" and not operation.get("value"):
                self.cloudwatch_role_arn = None  # cleared, as the provider's reset_on_delete asks
            else:
                rest.append(operation)
        return original(self, rest)

    return _replace(Account, "apply_patch_operations", apply_patch_operations)


def _install_apigateway_usage_plan_remove_stage() -> Undo:
    from moto.apigateway.exceptions import BadRequestException  # noqa: PLC0415
    from moto.apigateway.models import UsagePlan  # noqa: PLC0415

    original = UsagePlan.apply_patch_operations

    def apply_patch_operations(self: Any, patch_operations: list[dict[str, Any]]) -> Any:
        rest = []
        for operation in patch_operations:
            if operation.get("op") != "remove" or operation.get("path") != "/apiStages":
                rest.append(operation)
                continue
            api_id, _, stage = str(operation.get("value", "")).partition(":")
            found = [s for s in self.api_stages if s.get("apiId") == api_id and s.get("stage") == stage]
            if not found:  # AWS: a 400 the provider reports, where moto's 500 is retried for minutes
                raise BadRequestException(
                    f"Invalid API Stage {{api: {api_id}, stage: {stage}}} specified for usageplan {self.id}"
                )
            self.api_stages.remove(found[0])
        return original(self, rest)

    return _replace(UsagePlan, "apply_patch_operations", apply_patch_operations)


def _install_lambda_permission_statement_id_unique() -> Undo:
    from moto.awslambda.exceptions import LambdaClientError  # noqa: PLC0415
    from moto.awslambda.policy import Policy  # noqa: PLC0415

    original = Policy.add_statement

    def add_statement(self: Any, raw: str, qualifier: str | None = None) -> tuple[Any, str]:
        # AWS: a statement id is unique in a function's (or alias's) policy; adding it again
        # answers 409. moto appends a second statement with the same Sid, which one
        # RemovePermission does not remove (the provider then waits minutes for it to go).
        before = list(self.statements), self.revision
        statement, revision = original(self, raw, qualifier)
        sid, resource = statement.get("Sid"), statement.get("Resource")
        if any(s.get("Sid") == sid and s.get("Resource") == resource for s in before[0]):
            self.statements, self.revision = before
            error = LambdaClientError(
                "ResourceConflictException",
                f"The statement id ({sid}) provided already exists. Please provide a new statement id, "
                "or remove the existing statement.",
            )
            error.code = 409
            raise error
        return statement, revision

    return _replace(Policy, "add_statement", add_statement)


FIXES += (
    MotoFix(
        "sesv2_sending_enabled_is_a_bool",
        "SESv2 GetConfigurationSet returns SendingOptions.SendingEnabled as the map it was given "
        "({'SendingEnabled': true}), which the provider cannot read",
        "moto 5.2.5",
        _install_sesv2_sending_enabled_is_a_bool,
    ),
    MotoFix(
        "sesv2_configuration_set_omits_unset_options",
        "SESv2 GetConfigurationSet returns empty TrackingOptions/SuppressionOptions/VdmOptions "
        "blocks for options never set (AWS leaves them out): a change on every plan",
        "moto 5.2.5",
        _install_sesv2_configuration_set_omits_unset_options,
    ),
    MotoFix(
        "sesv2_identity_tags_under_the_identity_arn",
        "SESv2 CreateEmailIdentity stores its tags under ...:email-identity/<name> instead of the "
        "identity's ARN ...:identity/<name>, so ListTagsForResource finds none (a change every plan)",
        "moto 5.2.5",
        _install_sesv2_identity_tags_under_the_identity_arn,
    ),
    MotoFix(
        "s3_bucket_policy_conditions",
        "S3 bucket policies: a condition operator moto does not know (Bool aws:SecureTransport) is "
        "ignored, so the TLS-only Deny denies every request (template uploads answer 403)",
        "moto 5.2.5",
        _install_s3_bucket_policy_conditions,
    ),
    MotoFix(
        "sqs_redrive_allow_policy_returned",
        "SQS RedriveAllowPolicy is stored but never returned (the provider waits for it for more "
        "than 15 minutes) and, once removed, returned as '' (destroy waits for ever)",
        "moto 5.2.5",
        _install_sqs_redrive_allow_policy_returned,
    ),
    MotoFix(
        "sqs_set_attributes_keeps_the_policy",
        "SQS SetQueueAttributes without Policy drops the queue's Policy",
        "moto 5.2.5",
        _install_sqs_set_attributes_keeps_the_policy,
    ),
    MotoFix(
        "sqs_redrive_policy_compact",
        "SQS RedrivePolicy is returned re-serialised with spaces instead of compact, as AWS does",
        "moto 5.2.5",
        _install_sqs_redrive_policy_compact,
    ),
    MotoFix(
        "lambda_function_configuration",
        "Lambda ignores LoggingConfig and SnapStart on create and update: no LoggingConfig is "
        "returned and SnapStart is always ApplyOn None (a change on every plan)",
        "moto 5.2.5",
        _install_lambda_function_configuration,
    ),
    MotoFix(
        "lambda_event_source_mapping_keeps_the_alias",
        "Lambda event source mappings given an alias ARN report the ARN of the alias's version",
        "moto 5.2.5",
        _install_lambda_event_source_mapping_keeps_the_alias,
    ),
    MotoFix(
        "apigateway_account_role_reset",
        "API Gateway UpdateAccount clearing /cloudwatchRoleArn (no value, as the provider's "
        "reset_on_delete sends) fails with HTTP 500 (KeyError), retried for ever",
        "moto 5.2.5",
        _install_apigateway_account_role_reset,
    ),
    MotoFix(
        "apigateway_usage_plan_remove_stage",
        "API Gateway UpdateUsagePlan removing an API stage the plan does not have (a retried "
        "request) fails with HTTP 500 (ValueError), which the provider retries for minutes",
        "moto 5.2.5",
        _install_apigateway_usage_plan_remove_stage,
    ),
    MotoFix(
        "lambda_permission_statement_id_unique",
        "Lambda AddPermission with a statement id the policy already has appends a second "
        "statement (AWS answers 409 ResourceConflictException)",
        "moto 5.2.5",
        _install_lambda_permission_statement_id_unique,
    ),
)
