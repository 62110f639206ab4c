"""Hot reload: an edited module or template takes effect on the next invocation, without a restart."""

from __future__ import annotations

import importlib.util
import os
import py_compile
import queue
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from watchfiles import Change

from bbws.core.functions import LambdaFunction, Trigger
from bbws.local import gateway
from bbws.local.lambdas import LocalLambdas
from bbws.local.reload import Changes, Reloader, apply, forget_bytecode, loaded_here, sort_changes
from tests.support.polling import eventually

WAIT_SECONDS = 20.0  # a loaded 2-core machine; inotify itself answers in milliseconds


@pytest.fixture
def roots(tmp_path: Path) -> tuple[Path, Path]:
    code, templates = tmp_path / "src" / "hotpkg", tmp_path / "templates" / "email"
    code.mkdir(parents=True)
    templates.mkdir(parents=True)
    return code, templates


def _next(batches: queue.Queue[Changes]) -> Changes:
    return batches.get(timeout=WAIT_SECONDS)


@pytest.fixture
def watched(roots: tuple[Path, Path]) -> Iterator[queue.Queue[Changes]]:
    batches: queue.Queue[Changes] = queue.Queue()
    reloader = Reloader(*roots, batches.put)
    reloader.start()
    time.sleep(0.3)  # the watcher's first scan
    yield batches
    reloader.stop()
    assert not reloader._thread.is_alive()


def test_edits_are_handed_over_sorted_and_noise_is_ignored(
    roots: tuple[Path, Path], watched: queue.Queue[Changes]
) -> None:
    code, templates = roots
    # When a module, a note beside it, a bytecode file and an editor's swap file change
    (code / "notes.txt").write_text("not code")
    (code / "__pycache__").mkdir()
    (code / "__pycache__" / "mod.cpython-312.pyc").write_bytes(b"\0")
    (templates / ".hello.html.swp").write_text("swap")
    (code / "mod.py").write_text("VALUE = 1\n")
    # Then one batch names only the module
    assert _next(watched).code == [(code / "mod.py").resolve()]
    # When a template is written and another deleted
    (templates / "gone.html").write_text("x")
    _next(watched)
    (templates / "hello.html").write_text("<p>hi</p>")
    (templates / "gone.html").unlink()
    batch = _collect(watched, lambda merged: bool(merged.templates and merged.templates_deleted))
    # Then the stack hears of both, each as what it is
    assert batch.templates == [(templates / "hello.html").resolve()]
    assert batch.templates_deleted == [(templates / "gone.html").resolve()]


def _collect(batches: queue.Queue[Changes], done: Callable[[Changes], bool]) -> Changes:
    """Batches merged until `done` (watchfiles may hand over quick edits in one batch or two)."""
    merged, deadline = Changes(), time.monotonic() + WAIT_SECONDS
    while not done(merged):
        batch = batches.get(timeout=max(0.01, deadline - time.monotonic()))
        merged.code += batch.code
        merged.templates += batch.templates
        merged.templates_deleted += batch.templates_deleted
    return merged


def test_sort_changes_keeps_each_root_to_its_kind(tmp_path: Path) -> None:
    code, templates = tmp_path / "src", tmp_path / "templates"
    raw = {
        (Change.modified, str(code / "a" / "b.py")),
        (Change.added, str(code / "README.md")),
        (Change.added, str(templates / "x.html")),
        (Change.deleted, str(templates / "y.txt")),
        (Change.added, str(templates / "nested" / "z.html")),  # the bucket holds a flat prefix
        (Change.modified, str(tmp_path / "elsewhere.py")),
    }
    changes = sort_changes(raw, code, templates)
    assert changes.code == [code / "a" / "b.py"]
    assert changes.templates == [templates / "x.html"]
    assert changes.templates_deleted == [templates / "y.txt"]
    assert not sort_changes(set(), code, templates)


def test_a_file_made_and_removed_within_a_batch_is_no_change(tmp_path: Path) -> None:
    # Given the batch `sed -i` makes of a template edit (its temporary file, added and renamed
    # over the template) and one of vim's write probe (`4913`, added and deleted)
    code, templates = tmp_path / "src", tmp_path / "templates"
    templates.mkdir()
    (templates / "x.html").write_text("edited")
    raw = {
        (Change.added, str(templates / "sedWQj6uH")),
        (Change.deleted, str(templates / "sedWQj6uH")),
        (Change.added, str(templates / "x.html")),
        (Change.added, str(templates / "4913")),
        (Change.deleted, str(templates / "4913")),
    }
    # Then only the template is named, and a probe alone is no reload at all
    changes = sort_changes(raw, code, templates)
    assert changes.paths == [templates / "x.html"]
    assert changes.templates == [templates / "x.html"]
    probe = {(Change.added, str(templates / "4913")), (Change.deleted, str(templates / "4913"))}
    assert not sort_changes(probe, code, templates)
    # But a file deleted and written again within the batch is an edit
    both = {(Change.deleted, str(templates / "x.html")), (Change.added, str(templates / "x.html"))}
    assert sort_changes(both, code, templates).templates == [templates / "x.html"]


def test_forget_bytecode_removes_the_cached_compilation(tmp_path: Path) -> None:
    source = tmp_path / "cached.py"
    source.write_text("X = 1\n")
    compiled = Path(importlib.util.cache_from_source(str(source)))
    compiled.parent.mkdir()
    compiled.write_bytes(b"stale")
    forget_bytecode([source, tmp_path / "never-compiled.py"])
    assert not compiled.exists()
    assert source.exists()


def test_modules_of_the_stacks_own_process_are_named() -> None:
    assert loaded_here([Path(gateway.__file__), Path("/nowhere/x.py")]) == ["bbws.local.gateway"]


class _Recycled:
    def __init__(self) -> None:
        self.recycles = 0

    def recycle(self) -> None:
        self.recycles += 1


@mock_aws
def test_apply_uploads_templates_deletes_removed_ones_and_replaces_environments(tmp_path: Path) -> None:
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(Bucket="templates", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_object(Bucket="templates", Key="email-templates/old.html", Body=b"old")
    (tmp_path / "new.html").write_text("<p>new</p>")
    lambdas = _Recycled()
    changes = Changes(templates=[tmp_path / "new.html", tmp_path / "vanished.html"],
                      templates_deleted=[tmp_path / "old.html"])  # fmt: skip
    line = apply(changes, lambdas, s3, "templates")
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="templates").get("Contents", [])]
    assert keys == ["email-templates/new.html"]
    assert s3.get_object(Bucket="templates", Key="email-templates/new.html")["Body"].read() == b"<p>new</p>"
    assert lambdas.recycles == 1
    assert line.startswith("reloaded ")
    assert "new.html" in line
    assert "s3://templates/email-templates/" in line
    assert "\n" not in line


def test_an_edited_handler_runs_on_the_next_invocation_in_a_new_environment(
    roots: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a function whose module lives in a watched directory, invoked once
    code, templates = roots
    (code / "__init__.py").write_text("")
    module = code / "handler.py"
    module.write_text(_handler("first"))
    py_compile.compile(str(module), doraise=True)  # as any import writes it (unless told not to)
    monkeypatch.syspath_prepend(str(code.parent))  # the workers get the parent's sys.path
    function = LambdaFunction("hot", "hot", "hotpkg.handler:handler", Trigger.API, frozenset())
    lambdas = LocalLambdas("eu-west-1", {"hot": function}, environ=lambda: dict(os.environ))
    lines: list[str] = []
    reloader = Reloader(code, templates, lambda changes: lines.append(apply(changes, lambdas, None, None)))
    try:
        before = lambdas.invoke("hot", {})
        assert before["answer"] == "first"
        reloader.start()
        time.sleep(0.3)
        # When the module is edited keeping its size and its modification second (what the
        # bytecode cache compares)
        first = module.stat()
        module.write_text(_handler("again"))
        os.utime(module, ns=(first.st_atime_ns, first.st_mtime_ns))
        # Then the next invocation runs the edit, in a new execution environment, and one line says so
        assert eventually(lambda: lines, WAIT_SECONDS, 0.1)
        after = lambdas.invoke("hot", {})
        assert after["answer"] == "again"
        assert after["pid"] != before["pid"]
        assert all("handler.py" in line for line in lines)  # one line per batch (the write and the utime)
    finally:
        reloader.stop()
        lambdas.close()


def _handler(answer: str) -> str:
    return textwrap.dedent(f"""
        import os


        def handler(event, context):
            return {{"answer": "{answer}", "pid": os.getpid()}}
    """)
