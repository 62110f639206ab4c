"""Hot reload: the platform's code and the email templates, edited while the local stack runs.

`watchfiles` (Rust's `notify`: inotify on Linux, FSEvents on macOS) watches `src/bbws/` and
`templates/email/` and hands over each batch of changes once the files have been quiet for
`STEP_MS`. The stack then (`LocalStack._reload`):

- for templates: uploads each changed file to the templates bucket (deletes the object of a
  deleted file), as Terraform's upload does in AWS;
- for code and for templates alike: replaces every function's execution environments (idle
  ones at once, busy ones after their invocation), so the next invocation imports the edited
  code and starts with an empty template cache. The emulator, and so the state, is untouched.

The worker processes never hold the platform's code before they start (`workers.PRELOAD` is
third-party only), so a new environment reads the files as they are on disk. Python's bytecode
cache is validated by the source's modification time in whole seconds and its size, so an edit
within the same second that keeps the size would be missed: the changed files' cached bytecode
is removed first.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from watchfiles import Change, DefaultFilter, watch

from bbws.local.defaults import shown_path
from bbws.notifications.dal.templates import TEMPLATE_PREFIX

log = logging.getLogger("bbws.local.reload")

STEP_MS = 50  # a batch is handed over once no file changed for this long
DEBOUNCE_MS = 1600  # at most this long of continuous changes goes into one batch


@dataclass
class Changes:
    """One batch of edits, sorted by what the stack does with them."""

    code: list[Path] = field(default_factory=list)  # .py files under the code root
    templates: list[Path] = field(default_factory=list)  # added or modified template files
    templates_deleted: list[Path] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.code or self.templates or self.templates_deleted)

    @property
    def paths(self) -> list[Path]:
        return sorted({*self.code, *self.templates, *self.templates_deleted})


class _Filter(DefaultFilter):
    """watchfiles' default filter (no __pycache__, editor swap and backup files, .git, ...),
    and under the code root only Python sources."""

    def __init__(self, code_root: Path) -> None:
        super().__init__()
        self._code_root = str(code_root)

    def __call__(self, change: Change, path: str) -> bool:
        if not super().__call__(change, path):
            return False
        return not path.startswith(self._code_root) or path.endswith(".py")


def sort_changes(raw: Iterable[tuple[Change, str]], code_root: Path, templates_root: Path) -> Changes:
    """watchfiles' (change, path) pairs as a `Changes` (paths outside both roots are ignored)."""
    changes = Changes()
    raw = set(raw)
    # A file made and removed within the batch (`sed -i`'s and many editors' temporary files,
    # vim's `4913` probe) changed nothing: it is not named, uploaded or deleted.
    transient = {name for change, name in raw if change is Change.added} & {
        name for change, name in raw if change is Change.deleted
    }
    for change, name in sorted(raw, key=lambda pair: pair[1]):
        path = Path(name)
        if name in transient and not path.exists():
            continue
        if path.is_relative_to(code_root) and path.suffix == ".py":
            changes.code.append(path)
        elif path.is_relative_to(templates_root) and path.parent == templates_root:
            (changes.templates_deleted if change is Change.deleted else changes.templates).append(path)
    return changes


def forget_bytecode(paths: Iterable[Path]) -> None:
    """Remove the cached bytecode of each source, so its next import compiles it again."""
    for path in paths:
        with contextlib.suppress(OSError, ValueError):
            Path(importlib.util.cache_from_source(str(path))).unlink(missing_ok=True)


def loaded_here(paths: Iterable[Path]) -> list[str]:
    """The modules among `paths` that this process (the stack's own: gateway, pollers, emulator)
    has imported: an edit of those reaches the functions, but the stack itself needs a restart."""
    files = {str(path) for path in paths}
    return sorted(
        name
        for name, module in list(sys.modules.items())
        if name.startswith("bbws") and getattr(module, "__file__", None) in files
    )


def apply(changes: Changes, lambdas: Any, s3: Any, bucket: str | None) -> str:
    """Do what a batch asks (templates to the bucket, every function's execution environments
    replaced) and say so in one line. `lambdas` is a `LocalLambdas`, `s3` a boto3 S3 client."""
    for path in changes.templates:
        with contextlib.suppress(FileNotFoundError):  # written and removed again within the batch
            if bucket is not None:
                s3.put_object(Bucket=bucket, Key=TEMPLATE_PREFIX + path.name, Body=path.read_bytes())
    for path in changes.templates_deleted:
        if bucket is not None:
            s3.delete_object(Bucket=bucket, Key=TEMPLATE_PREFIX + path.name)
    forget_bytecode(changes.code)
    lambdas.recycle()
    parts = [f"reloaded {', '.join(shown_path(path) for path in changes.paths)}"]
    if changes.templates or changes.templates_deleted:
        parts.append(f"uploaded to s3://{bucket}/{TEMPLATE_PREFIX}" if bucket else "no templates bucket to upload to")
    parts.append("the next invocation of every function runs in a new execution environment")
    stack_modules = loaded_here(changes.code)
    if stack_modules:
        parts.append(f"{', '.join(stack_modules)} also runs in the stack's own process: restart to apply it there")
    return "; ".join(parts)


class Reloader:
    """Watches the code and template directories in a thread; calls `on_changes` per batch."""

    def __init__(self, code_root: Path, templates_root: Path, on_changes: Callable[[Changes], None]) -> None:
        self.code_root = code_root.resolve()
        self.templates_root = templates_root.resolve()
        self._on_changes = on_changes
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hot-reload", daemon=True)
        self.batches = 0

    @property
    def roots(self) -> list[Path]:
        return [root for root in (self.code_root, self.templates_root) if root.is_dir()]

    def start(self) -> None:
        if self.roots:
            self._thread.start()

    def _run(self) -> None:
        try:
            for raw in watch(
                *self.roots,
                watch_filter=_Filter(self.code_root),
                step=STEP_MS,
                debounce=DEBOUNCE_MS,
                stop_event=self._stop,
                raise_interrupt=False,
                rust_timeout=1000,  # how often the stop event is looked at, at the longest
            ):
                changes = sort_changes(raw, self.code_root, self.templates_root)
                if not changes:
                    continue
                self.batches += 1
                try:
                    self._on_changes(changes)
                except Exception:  # a failed reload must not end the watching; the next edit retries
                    log.exception("the reload failed")
        except Exception:  # e.g. the system's limit of watched directories: said once, stack goes on
            log.exception("hot reload stopped: file changes are no longer picked up (restart to retry)")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
