"""Terraform for the rehearsal: the binary and the AWS provider, the process environment that
points both at the emulator and nowhere else, and each command run under a deadline.

The environment is built from scratch for AWS and Terraform: every `AWS_*` and `TF_*` variable
of the caller is dropped (a profile, a session token, `AWS_ENDPOINT_URL_S3`, `TF_CLI_ARGS_apply`
or `TF_WORKSPACE` would otherwise reach real AWS or change what runs), the credentials are
made-up keys the emulator accepts and AWS refuses, and the shared config and credential files
are /dev/null. `TF_DATA_DIR` keeps the rehearsal's `.terraform/` away from the checkout's, which
may hold the real backend's configuration.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MIN_VERSION = (1, 10)  # environments/_root: the S3 backend's lock file (use_lockfile)
AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"
DEFAULT_MIRROR = Path("/opt/tf-plugins")
INSTALL_TERRAFORM = "https://developer.hashicorp.com/terraform/install"
# Made-up keys: the emulator takes any, AWS refuses these, so nothing can reach a real account.
FAKE_KEY_ID = "AKIAREHEARSALONLY000"
FAKE_SECRET = "rehearsal-only-not-a-real-secret"  # noqa: S105 - a placeholder the emulator accepts
CHANGING = frozenset({"create", "update", "delete", "replace"})  # planned/applied actions that are not reads
STOP_GRACE_SECONDS = 10.0  # after SIGTERM at a deadline, before SIGKILL


class ToolMissing(Exception):
    """Terraform or its AWS provider is not available; the message says how to get it."""


@dataclass(frozen=True)
class Terraform:
    binary: str
    version: str
    mirror: Path | None  # a filesystem mirror holding hashicorp/aws, or None: the registry

    def describe(self) -> str:
        source = f"hashicorp/aws from {self.mirror}" if self.mirror else "hashicorp/aws from the registry"
        return f"terraform {self.version}, {source}"


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def find_terraform(mirror: Path | None = None, binary: str | None = None) -> Terraform:
    """Terraform >= 1.10 on PATH and, where present, a filesystem mirror of the AWS provider
    (`BBWS_TF_PROVIDER_MIRROR`, default /opt/tf-plugins). Without a mirror `init` installs
    the provider from the registry, which needs internet access."""
    found = binary or shutil.which("terraform")
    if found is None:
        raise ToolMissing(f"terraform is not on PATH: install Terraform >= 1.10 ({INSTALL_TERRAFORM})")
    try:
        answer = subprocess.run(  # noqa: S603 - the terraform found on PATH, fixed arguments
            [found, "version", "-json"], capture_output=True, text=True, timeout=30, check=True
        )
        version = str(json.loads(answer.stdout)["terraform_version"])
    except (OSError, subprocess.SubprocessError, ValueError, KeyError) as error:
        raise ToolMissing(
            f"{found} does not answer `terraform version -json` ({error}): {INSTALL_TERRAFORM}"
        ) from error
    if _version_tuple(version) < MIN_VERSION:
        raise ToolMissing(f"terraform {version} is older than 1.10 (use_lockfile): upgrade it ({INSTALL_TERRAFORM})")
    chosen = mirror if mirror is not None else Path(os.environ.get("BBWS_TF_PROVIDER_MIRROR", DEFAULT_MIRROR))
    has_aws = (chosen / AWS_PROVIDER).is_dir()
    return Terraform(found, version, chosen if has_aws else None)


def provider_hint(environment_dir: Path) -> str:
    return (
        "the AWS provider could not be installed: allow access to registry.terraform.io, or on a machine "
        f"that has it run `terraform -chdir={environment_dir} providers mirror /opt/tf-plugins` and copy "
        "the directory here (or point BBWS_TF_PROVIDER_MIRROR at it)"
    )


def cli_config(terraform: Terraform, directory: Path) -> Path | None:
    """A CLI configuration installing hashicorp/aws from the mirror (None: no mirror)."""
    if terraform.mirror is None:
        return None
    path = directory / "terraformrc"
    path.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{terraform.mirror}"\n    include = ["{AWS_PROVIDER}"]\n  }}\n'
        f'  direct {{\n    exclude = ["{AWS_PROVIDER}"]\n  }}\n'
        "}\n",
        encoding="utf-8",
    )
    return path


def emulator_environ(
    base: Mapping[str, str],
    *,
    endpoint: str,
    region: str,
    data_dir: Path,
    config: Path | None,
) -> dict[str, str]:
    """The process environment for Terraform and the `bbws` commands of a rehearsal."""
    # Kept: the plugin cache and Terraform's own logging (TF_LOG, TF_LOG_PROVIDER, TF_LOG_PATH) for debugging.
    kept = {"TF_PLUGIN_CACHE_DIR", "TF_LOG", "TF_LOG_CORE", "TF_LOG_PROVIDER", "TF_LOG_PATH"}
    kept |= {"TF_CLI_CONFIG_FILE"} if config is None else set()
    environ = {key: value for key, value in base.items() if not key.startswith(("AWS_", "TF_")) or key in kept}
    environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID=FAKE_KEY_ID,
        AWS_SECRET_ACCESS_KEY=FAKE_SECRET,
        AWS_REGION=region,
        AWS_DEFAULT_REGION=region,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        # Bounded retries: an emulator error fails after a few attempts instead of the
        # provider's default 25 with back-off.
        AWS_MAX_ATTEMPTS="5",
        AWS_RETRY_MODE="standard",
        TF_DATA_DIR=str(data_dir),
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        CHECKPOINT_DISABLE="1",
    )
    if config is not None:
        environ["TF_CLI_CONFIG_FILE"] = str(config)
    return environ


@dataclass
class Run:
    """One finished (or stopped) command: its exit status, JSON messages and log."""

    command: list[str]
    returncode: int | None  # None: stopped at its deadline
    seconds: float
    log: Path
    messages: list[dict[str, Any]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)  # lines that were not JSON

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == kind]

    def changes(self) -> dict[str, int]:
        """The last change summary: add, change, remove (and import)."""
        summaries = self.of_type("change_summary")
        return dict(summaries[-1].get("changes", {})) if summaries else {}

    def planned(self) -> list[str]:
        """'address (action)' of every planned change and every drift found by the refresh."""
        found = []
        for kind in ("resource_drift", "planned_change"):
            for message in self.of_type(kind):
                change = message.get("change", {})
                found.append(f"{change.get('resource', {}).get('addr', '?')} ({change.get('action', '?')})")
        return found

    def errors(self) -> list[str]:
        """Every error diagnostic, 'address: summary: detail', else the text's Error lines."""
        found = []
        for message in self.of_type("diagnostic"):
            diagnostic = message.get("diagnostic", {})
            if diagnostic.get("severity") != "error":
                continue
            address = diagnostic.get("address")
            detail = " ".join(str(diagnostic.get("detail", "")).split())
            line = f"{diagnostic.get('summary', 'error')}: {detail}".rstrip(": ")
            found.append(f"{address}: {line}" if address else line)
        if not found:
            for index, line in enumerate(self.text):
                if line.lstrip("│ ").startswith("Error:"):
                    detail = " ".join(t.strip("│ ") for t in self.text[index + 1 : index + 4] if t.strip("│ "))
                    found.append(f"{line.lstrip('│ ')} {detail}".strip())
        return found


def run(
    command: list[str],
    *,
    cwd: Path,
    environ: Mapping[str, str],
    log: Path,
    seconds: float,
    on_message: Callable[[dict[str, Any]], None] | None = None,
) -> Run:
    """`command` (Terraform, or a `bbws` command) in `cwd`, every line written to `log`, JSON
    lines parsed. At the deadline the whole process group (Terraform and its provider plugins)
    gets SIGTERM, then SIGKILL, and the run reports `timed_out`."""
    started = time.monotonic()
    result = Run(command, None, 0.0, log)
    with log.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen(  # noqa: S603 - terraform or bbws, arguments built by the rehearsal
            command,
            cwd=cwd,
            env=dict(environ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, so a deadline stops the plugins too
        )
        reader = threading.Thread(target=_read, args=(process, sink, result, on_message), daemon=True)
        reader.start()
        try:
            result.returncode = process.wait(timeout=max(seconds, 0.1))
        except subprocess.TimeoutExpired:
            _stop(process)
        reader.join(timeout=STOP_GRACE_SECONDS)
    result.seconds = time.monotonic() - started
    return result


def _read(
    process: subprocess.Popen[str],
    sink: Any,
    result: Run,
    on_message: Callable[[dict[str, Any]], None] | None,
) -> None:
    for line in process.stdout or ():
        sink.write(line)
        stripped = line.rstrip("\n")
        if stripped.startswith("{"):
            try:
                message = json.loads(stripped)
            except ValueError:
                result.text.append(stripped)
                continue
            result.messages.append(message)
            if on_message is not None:
                on_message(message)
        else:
            result.text.append(stripped)


def _stop(process: subprocess.Popen[str]) -> None:
    for sig, wait in ((signal.SIGTERM, STOP_GRACE_SECONDS), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
