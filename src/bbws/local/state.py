"""The local stack's state on disk, so a stop and a start lose nothing (`.bbws/local/state.json`).

What is kept: every table's items, every object of the stack's bucket, every message still
queued (dead-letter queues included, each with its receive count), the outbox (with each email's
tags, which bounce and complaint events need), SES's suppression list and account flags, the
development issuer's signing key (so tokens survive a restart), the demo ids, and named values
(`NamedValues`: small strings such as a local secret that must stay the same across restarts).

A snapshot reads moto's backends in this process while holding the emulator's lock, so it is one
moment across all services: never an order saved as queued and also as processed, or neither.
It is written to a temporary file in the same directory, flushed to disk and renamed over the
previous one (an atomic replace): a crash or a kill during a write leaves the previous snapshot
whole. The stack snapshots on every clean stop and, while running, every `SNAPSHOT_SECONDS` when
something changed; so a crash loses at most that interval. Restoring writes the saved state back
into moto's backends before the stack answers as ready.

Why our own format and not a library: moto has no persistence of its own (its recorder replays
requests, with new ids and timestamps, and re-sends emails), and pickling its backends ties the
file to moto's private classes and makes loading it run code. The file is plain JSON in AWS's
own wire shapes (DynamoDB JSON items, SQS bodies and message attributes, base64 for bytes), so it
can be read, diffed and edited by hand. It is written with mode 0600: it holds a private key.

Against `--aws-endpoint` (LocalStack) the data stays in that emulator, which has its own
persistence; only the stack's own part (issuer key, demo ids, named values) is kept here.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.dynamodb.models import dynamodb_backends
from moto.s3.models import s3_backends
from moto.sqs.models import sqs_backends

from bbws.local.emulator import SerialisedApp
from bbws.local.moto_fixes import ses_extras
from bbws.local.outbox import OutboxMessage, copy_outbox

log = logging.getLogger("bbws.local.state")

FORMAT = 1
STATE_FILE = "state.json"
PREVIOUS_FILE = "state.previous.json"  # what `--fresh` set aside (one generation)
STALE_PARTIAL_SECONDS = 60  # a partial file this old is a write cut off by a kill (a write takes < 1 s)
SNAPSHOT_SECONDS = 10.0
S3_PARTITION = "aws"
ENTITY_ATTRIBUTE = "entityType"  # every table's entities carry it (see each service's dal/schema.py)
MAX_VALUE_NAME = 100
MAX_VALUE_BYTES = 64 * 1024


class StateError(Exception):
    """The saved state cannot be read (the message says why and what to do)."""


@dataclass
class SavedState:
    """What survives a stop and a start. Keys are logical, never the emulated names: tables and
    buckets by their settings field (`orders_table_name`), queues by their logical name
    (`orders`, `orders-dlq`)."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # items, DynamoDB JSON
    buckets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # {"key","body"(b64),"contentType"}
    queues: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # {"body","attributes","receiveCount"}
    outbox: list[dict[str, Any]] = field(default_factory=list)  # OutboxMessage JSON + "tags"
    ses: dict[str, Any] = field(default_factory=dict)  # suppression list and account flags
    issuer: dict[str, str] = field(default_factory=dict)  # {"keyId","privateKey"} (PEM)
    demo: dict[str, Any] = field(default_factory=dict)  # DemoData's fields
    values: dict[str, str] = field(default_factory=dict)  # NamedValues

    @property
    def has_data(self) -> bool:
        """Whether any table holds an item (demo data is seeded only when none does)."""
        return any(self.tables.values())

    def summary(self) -> str:
        """What it holds, as the banner says it: '4 products, 40 orders, 3 queued messages, ...'."""
        entities: Counter[str] = Counter()
        for items in self.tables.values():
            for item in items:
                kind = item.get(ENTITY_ATTRIBUTE, {}).get("S")
                if kind:
                    entities[str(kind).lower()] += 1
        parts = [f"{count} {_plural(kind, count)}" for kind, count in sorted(entities.items())]
        live = sum(len(messages) for name, messages in self.queues.items() if not name.endswith("-dlq"))
        dead = sum(len(messages) for name, messages in self.queues.items() if name.endswith("-dlq"))
        parts.append(f"{live} queued {_plural('message', live)}")
        if dead:
            parts.append(f"{dead} dead-lettered")
        parts.append(f"{len(self.outbox)} {_plural('email', len(self.outbox))}")
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, body: Any) -> SavedState:
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            found = body.get("format") if isinstance(body, dict) else type(body).__name__
            raise ValueError(f"format {found!r}, this version reads format {FORMAT}")
        state = cls(**{name: body.get(name, default) for name, default in asdict(cls()).items()})
        if not all(isinstance(v, str) for v in state.values.values()):
            raise ValueError("named values must be strings")
        return state


def _plural(word: str, count: int) -> str:
    return word if count == 1 else word + "s"


class NamedValues:
    """Small named strings kept with the local state across restarts (thread-safe).

    For values the local stack must keep the same from one start to the next, such as a local
    signing secret (a new one at every start would invalidate everything signed before):

        secret = stack.values.secret("cursor-signing-secret")  # made on first use, then kept
        stack.values.set("name", "value"); stack.values.get("name")  # -> "value" or None
    """

    def __init__(self, initial: Mapping[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, str] = dict(initial or {})

    def get(self, name: str) -> str | None:
        with self._lock:
            return self._values.get(name)

    def set(self, name: str, value: str) -> None:
        _check_value(name, value)
        with self._lock:
            self._values[name] = value

    def secret(self, name: str, nbytes: int = 32) -> str:
        """The value of `name`, made on first use as `nbytes` random bytes (URL-safe base64)."""
        return self.setdefault(name, lambda: secrets.token_urlsafe(nbytes))

    def setdefault(self, name: str, make: Callable[[], str]) -> str:
        with self._lock:
            if name not in self._values:
                value = make()
                _check_value(name, value)
                self._values[name] = value
            return self._values[name]

    def snapshot(self) -> dict[str, str]:
        with self._lock:
            return dict(self._values)


def _check_value(name: str, value: str) -> None:
    if not isinstance(name, str) or not 0 < len(name) <= MAX_VALUE_NAME:
        raise ValueError(f"a value's name is a string of 1 to {MAX_VALUE_NAME} characters")
    if not isinstance(value, str) or len(value.encode()) > MAX_VALUE_BYTES:
        raise ValueError(f"a value is a string of at most {MAX_VALUE_BYTES} bytes")


def private_key_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the saved issuer key is not an RSA key")
    return key


@dataclass(frozen=True)
class Layout:
    """Where each logical piece of state lives in the emulator: logical key -> emulated name."""

    tables: dict[str, str]  # settings field -> table name
    buckets: dict[str, str]  # settings field -> bucket name
    queues: dict[str, str]  # logical queue name -> queue name


def _jsonable(value: Any) -> Any:
    """moto's values as JSON: bytes (binary attributes) as base64, as on the wire."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    return value


def capture(app: SerialisedApp, layout: Layout) -> dict[str, Any]:
    """The emulator's data at one moment (the part of `SavedState` that lives in moto), as JSON
    values built under the emulator's lock, so no request changes it while it is read."""
    account, region = app.account_id, app.region
    with app.lock:
        dynamodb = dynamodb_backends[account][region]
        tables = {
            logical: [_jsonable(item.to_json()["Attributes"]) for item in dynamodb.tables[name].all_items()]
            for logical, name in layout.tables.items()
            if name in dynamodb.tables
        }
        s3 = s3_backends[account][S3_PARTITION]
        buckets = {
            logical: [
                {
                    "key": key_name,
                    "body": base64.b64encode(key.value).decode(),
                    "contentType": key.metadata.get("content-type", "binary/octet-stream"),
                }
                for key_name, key in s3.buckets[name].keys.items()
            ]
            for logical, name in layout.buckets.items()
            if name in s3.buckets
        }
        sqs = sqs_backends[account][region]
        queues = {
            logical: [
                {
                    "body": message.body,
                    "attributes": _jsonable(message.message_attributes),
                    "receiveCount": message.approximate_receive_count,
                }
                for message in sqs.queues[name]._messages  # moto keeps no public list of them
            ]
            for logical, name in layout.queues.items()
            if name in sqs.queues
        }
        sent = copy_outbox(app)
        tags = {message_id: dict(message_tags) for message_id, message_tags in app.email_tags.items()}
        ses = json.loads(json.dumps(ses_extras(account, region)))  # a deep copy, taken under the lock
    outbox = [{**message.to_json(), "tags": tags.get(message.id, {})} for message in sent.messages()]
    return {"tables": tables, "buckets": buckets, "queues": queues, "outbox": outbox, "ses": ses}


def restore(app: SerialisedApp, layout: Layout, state: SavedState) -> None:
    """Write the saved data back into the emulator (its tables, bucket and queues exist and are
    empty: the stack has just provisioned them). Pieces whose table, bucket or queue no longer
    exists are skipped with a warning."""
    account, region = app.account_id, app.region
    with app.lock:
        dynamodb = dynamodb_backends[account][region]
        for logical, items in state.tables.items():
            table = dynamodb.tables.get(layout.tables.get(logical, ""))
            if table is None:
                log.warning("saved items of %s not restored: no such table any more", logical)
                continue
            for item in items:
                table.put_item(item)
        s3 = s3_backends[account][S3_PARTITION]
        for logical, objects in state.buckets.items():
            bucket = layout.buckets.get(logical)
            if bucket not in s3.buckets:
                log.warning("saved objects of %s not restored: no such bucket any more", logical)
                continue
            for entry in objects:
                key = s3.put_object(bucket, entry["key"], base64.b64decode(entry["body"]))
                key.set_metadata({"Content-Type": entry.get("contentType", "binary/octet-stream")})
        sqs = sqs_backends[account][region]
        for logical, messages in state.queues.items():
            name = layout.queues.get(logical)
            if name not in sqs.queues:
                log.warning("saved messages of %s not restored: no such queue any more", logical)
                continue
            for entry in messages:
                message = sqs.send_message(name, entry["body"], message_attributes=entry.get("attributes") or {})
                # Kept, so a poison message still reaches its DLQ after maxReceiveCount receives in all.
                message.approximate_receive_count = int(entry.get("receiveCount", 0))
        app.restored_outbox = [_outbox_message(entry) for entry in state.outbox]
        for entry in state.outbox:
            if entry.get("tags"):
                app.email_tags[str(entry["id"])] = {str(k): str(v) for k, v in entry["tags"].items()}
        extras = ses_extras(account, region)
        for name, value in state.ses.items():
            extras[name] = value


def _outbox_message(entry: Mapping[str, Any]) -> OutboxMessage:
    return OutboxMessage(
        str(entry["id"]), str(entry.get("from", "")), [str(a) for a in entry.get("to", [])],
        str(entry.get("subject", "")), str(entry.get("html", "")), str(entry.get("text", "")),
        entry.get("sentAt"),
    )  # fmt: skip


class StateStore:
    """`state.json` in one directory: read, written atomically, set aside for a fresh start."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / STATE_FILE
        self._last_written: bytes | None = None
        self._write_lock = threading.Lock()

    def load(self) -> SavedState | None:
        """The saved state, or None if there is none. A file that cannot be read is an error
        (never silently replaced: it may hold the only copy of someone's data)."""
        self._remove_stale_partials()
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StateError(f"cannot read {self.path}: {error.strerror}") from error
        try:
            state = SavedState.from_json(json.loads(raw))
        except (ValueError, TypeError) as error:  # JSONDecodeError is a ValueError
            raise StateError(
                f"cannot restore {self.path} ({error}); start empty with `make run FRESH=1` "
                f"(`bbws local run --fresh`), which keeps this file as {PREVIOUS_FILE}"
            ) from error
        self._last_written = raw
        return state

    def _remove_stale_partials(self) -> None:
        """A kill during a write leaves its partial file (never read: the rename did not happen).
        Those older than a write could take are removed; a newer one may be another writer's."""
        with contextlib.suppress(OSError):
            for partial in self.directory.glob(f".{STATE_FILE}.*.partial"):
                with contextlib.suppress(OSError):
                    if time.time() - partial.stat().st_mtime > STALE_PARTIAL_SECONDS:
                        partial.unlink()

    def set_aside(self) -> Path | None:
        """For a fresh start: the saved state moves to `state.previous.json` (one generation)."""
        if not self.path.exists():
            return None
        previous = self.directory / PREVIOUS_FILE
        self.path.replace(previous)
        return previous

    def save(self, state: SavedState) -> bool:
        """Write the state atomically (temporary file, fsync, rename, fsync of the directory).
        Returns False, writing nothing, when the content is what was last written or read (the
        file's modification time says when it was saved)."""
        raw = json.dumps(state.to_json(), separators=(",", ":")).encode()
        with self._write_lock:
            if raw == self._last_written:
                return False
            self.directory.mkdir(parents=True, exist_ok=True)
            partial = self.directory / f".{STATE_FILE}.{os.getpid()}.partial"
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                with os.fdopen(descriptor, "wb") as handle:
                    handle.write(raw)
                    handle.flush()
                    os.fsync(handle.fileno())
                partial.replace(self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    partial.unlink()
                raise
            _fsync_directory(self.directory)
            self._last_written = raw
        return True


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


class Snapshotter:
    """Saves the state every `interval` seconds while the stack runs (when it changed)."""

    def __init__(self, save: Callable[[], bool], interval: float = SNAPSHOT_SECONDS) -> None:
        self._save = save
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="state-snapshots", daemon=True)
        self.snapshots = 0

    def start(self) -> None:
        if self.interval > 0:
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            started = time.perf_counter()
            try:
                if self._save():
                    self.snapshots += 1
                    log.debug("state saved in %.0f ms", (time.perf_counter() - started) * 1000)
            except Exception:  # a failed snapshot must not stop the stack; the next one retries
                log.exception("could not save the local state")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
