"""What Terraform created, read back from the (emulated) account and held against the code.

Every expectation comes from the code, none from Terraform or a list written here: the
functions and their settings from `bbws.core.functions` and `bbws.core.settings`, the tables'
keys, indexes and TTL from each service's `dal/schema.py` (`bbws.local.provision.TABLE_SCHEMAS`),
the redrive count from `bbws.local.provision`, the templates from `templates/email/`, runtime
and architecture from the artifacts' manifest. Resources are found the way the code finds them:
a function by its deployed name, a table or queue by the environment variable the function
reads, a consumer's queue through its event source mapping. Each check names the resource and
says what differs; all of them run, so one rehearsal reports every difference.
"""

from __future__ import annotations

import ast
import importlib
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from bbws.core.functions import FUNCTIONS, LambdaFunction
from bbws.core.settings import ENV_NAMES
from bbws.delivery.accounts import ALIAS, Environment
from bbws.delivery.manifest import Manifest
from bbws.delivery.store import b64_sha256
from bbws.local.provision import MAX_RECEIVE_COUNT, QUEUES, TABLE_SCHEMAS
from bbws.notifications.dal.templates import TEMPLATE_PREFIX

# AWS: a queue's visibility timeout at least 6 x the consumer's timeout plus its batching window
# (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
VISIBILITY_FACTOR = 6
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"

Clients = Callable[[str], Any]  # service name -> boto3 client of the rehearsed account


@dataclass(frozen=True)
class Check:
    name: str  # the resource: "function bbws-dev-health", "table bbws-dev-orders"
    problems: tuple[str, ...]  # empty: it matches the code
    detail: str = ""  # what was checked, for a passing check

    @property
    def ok(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        return f"{self.name}: {'; '.join(self.problems) if self.problems else self.detail}"


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _keys(schema: Iterable[dict[str, str]]) -> list[str]:
    return [f"{key['AttributeName']} {key['KeyType']}" for key in schema]


def _sorted_keys(schema: Iterable[dict[str, str]]) -> list[str]:
    # HASH before RANGE whatever order an API answers in
    return _keys(sorted(schema, key=lambda key: key["KeyType"] != "HASH"))


@dataclass
class Deployed:
    """The functions as Lambda reports them, read once."""

    configurations: dict[str, dict[str, Any]]  # function short name -> GetFunctionConfiguration
    mappings: dict[str, list[dict[str, Any]]]  # function short name -> its event source mappings
    aliases: dict[str, dict[str, Any]]  # function short name -> its `live` alias (GetAlias)
    missing: dict[str, str]  # function short name -> why it could not be read

    def setting(self, settings_field: str) -> dict[str, list[str]]:
        """Each value the functions give the setting's environment variable -> the functions."""
        found: dict[str, list[str]] = {}
        for name, configuration in self.configurations.items():
            value = configuration.get("Environment", {}).get("Variables", {}).get(ENV_NAMES[settings_field])
            if value is not None:
                found.setdefault(value, []).append(name)
        return found


def _mappings_by_function(lam: Any) -> dict[str, list[dict[str, Any]]]:
    """Every event source mapping, by the unqualified ARN of the function it invokes (through a
    version, an alias or none)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for page in lam.get_paginator("list_event_source_mappings").paginate():
        for mapping in page.get("EventSourceMappings", []):
            arn = str(mapping.get("FunctionArn", ""))
            unqualified = ":".join(arn.split(":")[:7])  # arn:aws:lambda:region:account:function:name
            found.setdefault(unqualified, []).append(mapping)
    return found


def read_functions(env: Environment, clients: Clients) -> Deployed:
    lam = clients("lambda")
    deployed = Deployed({}, {}, {}, {})
    mappings = _mappings_by_function(lam)
    for function in FUNCTIONS:
        name = env.function_name(function.name)
        try:
            configuration = lam.get_function_configuration(FunctionName=name)
        except ClientError as error:
            deployed.missing[function.name] = f"cannot be read ({_code(error)})"
            continue
        deployed.configurations[function.name] = configuration
        deployed.mappings[function.name] = mappings.get(str(configuration["FunctionArn"]), [])
        try:
            deployed.aliases[function.name] = lam.get_alias(FunctionName=name, Name=ALIAS)
        except ClientError as error:
            if _code(error) != "ResourceNotFoundException":
                raise
    return deployed


def _handler_in_zip(zip_path: Path, handler: str) -> str | None:
    """Why `module.attribute` would not resolve in the zip (None: it would)."""
    module, _, attribute = handler.rpartition(".")
    if not module:
        return f"handler {handler!r} is not module.attribute"
    candidates = [module.replace(".", "/") + ".py", module.replace(".", "/") + "/__init__.py"]
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        source = next((archive.read(c) for c in candidates if c in names), None)
    if source is None:
        return f"handler {handler!r}: no module {module} in {zip_path.name}"
    tree = ast.parse(source)
    defined = {
        target.id if isinstance(target, ast.Name) else getattr(target, "name", "")
        for node in tree.body
        for target in (
            [node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            else [t for t in getattr(node, "targets", [getattr(node, "target", None)]) if t is not None]
        )
    }
    imported = {
        alias.asname or alias.name for node in tree.body if isinstance(node, ast.ImportFrom) for alias in node.names
    }
    if attribute not in defined | imported:
        return f"handler {handler!r}: {module} defines no {attribute}"
    return None


def check_function(
    env: Environment, function: LambdaFunction, deployed: Deployed, manifest: Manifest, dist: Path
) -> Check:
    """Handler, runtime, architecture and environment variable names against the code; the
    handler resolves in the code Lambda runs; the `live` alias exists."""
    name = f"function {env.function_name(function.name)}"
    if function.name in deployed.missing:
        return Check(name, (deployed.missing[function.name],))
    configuration = deployed.configurations[function.name]
    problems: list[str] = []
    handler = configuration.get("Handler")
    if handler != function.lambda_handler:
        problems.append(f"handler is {handler!r}, core/functions.py says {function.lambda_handler!r}")
    artifact = manifest.functions.get(function.name)
    if artifact is None:
        problems.append("no artifact in the manifest")
    else:
        if configuration.get("Runtime") != artifact.runtime:
            problems.append(f"runtime is {configuration.get('Runtime')}, the artifact is built for {artifact.runtime}")
        if configuration.get("Architectures") != [artifact.architecture]:
            problems.append(
                f"architectures are {configuration.get('Architectures')}, the artifact is {artifact.architecture}"
            )
        if configuration.get("CodeSha256") != b64_sha256(artifact.sha256):
            problems.append(f"code is not the manifest's artifact {artifact.sha256[:12]}")
        elif isinstance(handler, str) and (why := _handler_in_zip(dist / artifact.file, handler)):
            problems.append(why)
    names = set(configuration.get("Environment", {}).get("Variables", {}))
    wanted = {ENV_NAMES[field] for field in function.settings}
    if missing := sorted(wanted - names):
        problems.append(f"environment lacks {', '.join(missing)} (the settings its code requires)")
    if unexpected := sorted(names - wanted):
        problems.append(f"environment has {', '.join(unexpected)}, which its code does not read")
    if function.name not in deployed.aliases:
        problems.append(f"no {ALIAS!r} alias")
    return Check(name, tuple(problems), f"{handler}, {configuration.get('Runtime')}, {len(names)} settings")


def _projection(index: dict[str, Any]) -> tuple[str, list[str]]:
    return index["Projection"]["ProjectionType"], sorted(index["Projection"].get("NonKeyAttributes", []))


def _table_problems(
    table: dict[str, Any], ttl: dict[str, Any], code: dict[str, Any], ttl_attribute: str | None
) -> list[str]:
    problems: list[str] = []
    types = {a["AttributeName"]: a["AttributeType"] for a in table.get("AttributeDefinitions", [])}
    code_types = {a["AttributeName"]: a["AttributeType"] for a in code.get("AttributeDefinitions", [])}
    if _sorted_keys(table["KeySchema"]) != _sorted_keys(code["KeySchema"]):
        problems.append(
            f"key is {', '.join(_sorted_keys(table['KeySchema']))}; "
            f"the code's is {', '.join(_sorted_keys(code['KeySchema']))}"
        )
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        actual = {i["IndexName"]: i for i in table.get(kind, [])}
        expected = {i["IndexName"]: i for i in code.get(kind, [])}
        if sorted(actual) != sorted(expected):
            problems.append(f"{kind}: {sorted(actual) or 'none'}; the code's: {sorted(expected) or 'none'}")
        for index_name in sorted(set(actual) & set(expected)):
            have, want = actual[index_name], expected[index_name]
            if _sorted_keys(have["KeySchema"]) != _sorted_keys(want["KeySchema"]):
                problems.append(
                    f"index {index_name} key is {', '.join(_sorted_keys(have['KeySchema']))}; "
                    f"the code's is {', '.join(_sorted_keys(want['KeySchema']))}"
                )
            if _projection(have) != _projection(want):
                problems.append(f"index {index_name} projects {_projection(have)}; the code's {_projection(want)}")
    used = {key["AttributeName"] for key in code["KeySchema"]} | {
        key["AttributeName"]
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
        for index in code.get(kind, [])
        for key in index["KeySchema"]
    }
    wrong_types = sorted(
        f"{name} is {types.get(name)}, not {code_types[name]}"
        for name in used
        if name in code_types and types.get(name, code_types[name]) != code_types[name]
    )
    problems.extend(f"attribute {wrong}" for wrong in wrong_types)
    billing = table.get("BillingModeSummary", {}).get("BillingMode")
    if "BillingMode" in code and billing is not None and billing != code["BillingMode"]:
        problems.append(f"billing mode is {billing}, the code's is {code['BillingMode']}")
    status = ttl.get("TimeToLiveStatus", "DISABLED")
    if ttl_attribute is None and status in {"ENABLED", "ENABLING"}:
        problems.append(f"TTL is on ({ttl.get('AttributeName')}), but the code declares no TTL attribute")
    if ttl_attribute is not None and (
        status not in {"ENABLED", "ENABLING"} or ttl.get("AttributeName") != ttl_attribute
    ):
        problems.append(f"TTL is {status} on {ttl.get('AttributeName')}; the code expires items by {ttl_attribute!r}")
    return problems


def check_tables(clients: Clients, deployed: Deployed) -> list[Check]:
    """Each table the functions are given (by their environment) against its `dal/schema.py`."""
    dynamodb = clients("dynamodb")
    checks: list[Check] = []
    for settings_field, module_name in TABLE_SCHEMAS.items():
        module = importlib.import_module(module_name)
        values = deployed.setting(settings_field)
        if len(values) > 1:
            checks.append(Check(f"setting {ENV_NAMES[settings_field]}", (f"the functions disagree: {values}",)))
        for table_name in sorted(values):
            name = f"table {table_name}"
            try:
                table = dynamodb.describe_table(TableName=table_name)["Table"]
                ttl = dynamodb.describe_time_to_live(TableName=table_name).get("TimeToLiveDescription", {})
            except ClientError as error:
                checks.append(Check(name, (f"cannot be read ({_code(error)}), named by {ENV_NAMES[settings_field]}",)))
                continue
            problems = _table_problems(table, ttl, module.TABLE, getattr(module, "TTL_ATTRIBUTE", None))
            indexes = len(table.get("GlobalSecondaryIndexes", []))
            checks.append(Check(name, tuple(problems), f"key, {indexes} GSIs and TTL as {module_name}"))
    return checks


def _queue_arn(sqs: Any, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


def _queue_by_arn(sqs: Any, arn: str) -> tuple[str, dict[str, str]]:
    *_, account, queue_name = arn.split(":")
    url = sqs.get_queue_url(QueueName=queue_name, QueueOwnerAWSAccountId=account)["QueueUrl"]
    return str(url), sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def check_consumer(env: Environment, clients: Clients, function: LambdaFunction, deployed: Deployed) -> list[Check]:
    """A queue consumer's event source mapping (alias, ReportBatchItemFailures) and its queue
    (redrive to an existing DLQ after MAX_RECEIVE_COUNT receives, visibility timeout)."""
    mappings = deployed.mappings.get(function.name, [])
    label = f"event source mapping of {env.function_name(function.name)}"
    if function.queue is None:
        return (
            [Check(label, (f"{len(mappings)} mapping(s), but the function is not a queue consumer",))]
            if mappings
            else []
        )
    if len(mappings) != 1:
        return [Check(label, (f"{len(mappings)} mappings; the code has it consume one queue ({function.queue})",))]
    (mapping,) = mappings
    configuration = deployed.configurations[function.name]
    problems: list[str] = []
    alias_arn = f"{configuration['FunctionArn']}:{ALIAS}"
    if mapping.get("FunctionArn") != alias_arn:
        problems.append(f"invokes {mapping.get('FunctionArn')}, not the {ALIAS!r} alias")
    if REPORT_BATCH_ITEM_FAILURES not in mapping.get("FunctionResponseTypes", []):
        problems.append(
            f"FunctionResponseTypes {mapping.get('FunctionResponseTypes', [])} lacks {REPORT_BATCH_ITEM_FAILURES}"
        )
    if mapping.get("State") not in {"Enabled", "Enabling", "Creating"}:
        problems.append(f"state is {mapping.get('State')}")
    checks = [Check(label, tuple(problems), f"{ALIAS} alias, {REPORT_BATCH_ITEM_FAILURES}")]

    sqs = clients("sqs")
    arn = str(mapping.get("EventSourceArn", ""))
    queue_label = f"queue {arn.rsplit(':', 1)[-1]} ({function.queue})"
    try:
        _url, attributes = _queue_by_arn(sqs, arn)
    except ClientError as error:
        return [*checks, Check(queue_label, (f"cannot be read ({_code(error)})",))]
    queue_problems: list[str] = []
    redrive = json.loads(attributes.get("RedrivePolicy") or "{}")
    if not redrive:
        queue_problems.append("no redrive policy (failed messages would be retried for ever, never dead-lettered)")
    else:
        if int(redrive.get("maxReceiveCount", 0)) != MAX_RECEIVE_COUNT:
            queue_problems.append(
                f"maxReceiveCount is {redrive.get('maxReceiveCount')}, the code's is {MAX_RECEIVE_COUNT}"
            )
        try:
            _queue_by_arn(sqs, str(redrive.get("deadLetterTargetArn", "")))
        except (ClientError, ValueError) as error:
            queue_problems.append(f"dead-letter queue {redrive.get('deadLetterTargetArn')} cannot be read ({error})")
    timeout = int(configuration.get("Timeout", 0))
    window = int(mapping.get("MaximumBatchingWindowInSeconds", 0))
    visibility = int(attributes.get("VisibilityTimeout", 0))
    if visibility < VISIBILITY_FACTOR * timeout + window:
        queue_problems.append(
            f"visibility timeout {visibility} s is under {VISIBILITY_FACTOR} x the consumer's {timeout} s timeout "
            f"+ {window} s batching window"
        )
    checks.append(
        Check(queue_label, tuple(queue_problems), f"redrive after {MAX_RECEIVE_COUNT}, visibility {visibility} s")
    )
    return checks


def check_queue_settings(clients: Clients, deployed: Deployed) -> list[Check]:
    """Each queue URL a function sends to is the queue its consumer reads (orders are sent
    where the orders consumer polls)."""
    sqs = clients("sqs")
    consumed = {
        f.queue: str(deployed.mappings[f.name][0].get("EventSourceArn"))
        for f in FUNCTIONS
        if f.queue is not None and len(deployed.mappings.get(f.name, [])) == 1
    }
    checks: list[Check] = []
    for settings_field, logical in QUEUES.items():
        for url, functions in sorted(deployed.setting(settings_field).items()):
            name = f"setting {ENV_NAMES[settings_field]} of {', '.join(sorted(functions))}"
            try:
                arn = _queue_arn(sqs, url)
            except ClientError as error:
                checks.append(Check(name, (f"{url} cannot be read ({_code(error)})",)))
                continue
            wanted = consumed.get(logical)
            problems = () if arn == wanted else (f"{url} is not the queue the {logical} consumer reads ({wanted})",)
            checks.append(Check(name, problems, f"the {logical} consumer's queue"))
    return checks


def check_templates(clients: Clients, deployed: Deployed, templates: Path) -> list[Check]:
    """The bucket the functions are given holds exactly templates/email/, byte for byte."""
    s3 = clients("s3")
    expected = {TEMPLATE_PREFIX + p.name: p.read_bytes() for p in sorted(templates.glob("*")) if p.is_file()}
    checks: list[Check] = []
    for bucket in sorted(deployed.setting("templates_bucket_name")):
        name = f"bucket {bucket} {TEMPLATE_PREFIX}"
        try:
            pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=TEMPLATE_PREFIX)
            keys = {o["Key"] for page in pages for o in page.get("Contents", [])}
        except ClientError as error:
            checks.append(Check(name, (f"cannot be listed ({_code(error)})",)))
            continue
        problems = [f"{key} is missing" for key in sorted(set(expected) - keys)]
        problems += [f"{key} is not in templates/email/" for key in sorted(keys - set(expected))]
        for key in sorted(set(expected) & keys):
            if s3.get_object(Bucket=bucket, Key=key)["Body"].read() != expected[key]:
                problems.append(f"{key} differs from templates/email/{key.removeprefix(TEMPLATE_PREFIX)}")
        checks.append(Check(name, tuple(problems), f"{len(expected)} templates byte-identical"))
    if not checks:
        checks.append(Check("templates bucket", ("no function is given TEMPLATES_BUCKET_NAME",)))
    return checks


def check_environment(
    env: Environment, clients: Clients, manifest: Manifest, dist: Path, templates: Path
) -> list[Check]:
    """Every check of the rehearsed environment, in a stable order."""
    deployed = read_functions(env, clients)
    checks = [check_function(env, f, deployed, manifest, dist) for f in FUNCTIONS]
    checks += check_tables(clients, deployed)
    for function in FUNCTIONS:
        if function.name in deployed.configurations:
            checks += check_consumer(env, clients, function, deployed)
    checks += check_queue_settings(clients, deployed)
    checks += check_templates(clients, deployed, templates)
    return checks
