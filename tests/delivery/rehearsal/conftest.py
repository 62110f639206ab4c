"""A moto account holding what the dev Terraform creates, built from the code as it should be,
so each test can break one thing and see the rehearsal's checks name it."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bbws.core.functions import FUNCTIONS
from bbws.core.settings import ENV_NAMES
from bbws.delivery.accounts import ALIAS, ENVIRONMENTS, Environment
from bbws.delivery.manifest import FunctionArtifact, Manifest
from bbws.local import moto_fixes
from bbws.local.provision import MAX_RECEIVE_COUNT, QUEUES, TABLE_SCHEMAS, table_schema
from bbws.notifications.dal.templates import TEMPLATE_PREFIX

REGION = "eu-west-1"
TIMEOUT = 10  # every function's, in this fixture
BATCHING_WINDOW = 1
REPO_TEMPLATES = Path(__file__).resolve().parents[3] / "templates" / "email"


def handler_zip(handler: str, defines: str = "lambda_handler") -> bytes:
    """A zip holding only the handler's module, defining `defines`."""
    module = handler.rpartition(".")[0]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # a fixed time: the same bytes every time
        entry = zipfile.ZipInfo(module.replace(".", "/") + ".py", date_time=(2020, 1, 1, 0, 0, 0))
        archive.writestr(entry, f"def {defines}(event, context):\n    return event\n")
    return buffer.getvalue()


def write_dist(dist: Path, zips: dict[str, bytes] | None = None, lock_sha256: str = "0" * 64) -> Manifest:
    """dist/ with one zip per function (its handler module) and the manifest naming them."""
    dist.mkdir(parents=True, exist_ok=True)
    functions = {}
    for function in FUNCTIONS:
        body = (zips or {}).get(function.name) or handler_zip(function.lambda_handler)
        (dist / f"{function.name}.zip").write_bytes(body)
        functions[function.name] = FunctionArtifact(
            file=f"{function.name}.zip",
            sha256=hashlib.sha256(body).hexdigest(),
            size=len(body),
            unzipped_size=len(body),
            files=1,
            handler=function.lambda_handler,
            service=function.service,
            runtime="python3.12",
            architecture="x86_64",
        )
    manifest = Manifest(
        runtime="python3.12",
        architecture="x86_64",
        python_platform="x86_64-manylinux_2_28",
        lock_sha256=lock_sha256,
        bundles_boto3=True,
        functions=functions,
    )
    manifest.write(dist)
    return manifest


@dataclass
class Account:
    """The moto account and what the checks need to look at it."""

    env: Environment
    dist: Path
    manifest: Manifest
    templates: Path
    settings: dict[str, str]  # settings field -> the value Terraform would give

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION)

    def function(self, name: str) -> str:
        return self.env.function_name(name)

    def update_environment(self, name: str, change: Callable[[dict[str, str]], None]) -> None:
        lam = self.client("lambda")
        variables = dict(lam.get_function_configuration(FunctionName=self.function(name))["Environment"]["Variables"])
        change(variables)
        lam.update_function_configuration(FunctionName=self.function(name), Environment={"Variables": variables})

    def mapping(self, name: str) -> dict[str, Any]:
        lam = self.client("lambda")
        (mapping,) = [
            m
            for m in lam.list_event_source_mappings()["EventSourceMappings"]
            if m["FunctionArn"].split(":")[6] == self.function(name)
        ]
        return mapping


def _create_tables(env: Environment, settings: dict[str, str]) -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for settings_field, module_name in TABLE_SCHEMAS.items():
        name = f"bbws-{env.name}-{settings_field.removesuffix('_table_name')}"
        dynamodb.create_table(TableName=name, **table_schema(settings_field))
        ttl = getattr(__import__(module_name, fromlist=["TABLE"]), "TTL_ATTRIBUTE", None)
        if ttl:
            dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl}
            )
        settings[settings_field] = name


def _create_queues(env: Environment) -> dict[str, str]:
    """Each consumer's queue and DLQ; logical name -> queue ARN."""
    sqs = boto3.client("sqs", region_name=REGION)
    arns = {}
    for logical in sorted({f.queue for f in FUNCTIONS if f.queue}):
        dlq = sqs.create_queue(QueueName=f"bbws-{env.name}-{logical}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = sqs.create_queue(
            QueueName=f"bbws-{env.name}-{logical}",
            Attributes={
                "VisibilityTimeout": str(6 * TIMEOUT + BATCHING_WINDOW),
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}),
            },
        )["QueueUrl"]
        arns[logical] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return arns


def _create_functions(
    env: Environment, manifest: Manifest, dist: Path, settings: dict[str, str], queues: dict[str, str]
) -> None:
    role = boto3.client("iam", region_name=REGION).create_role(
        RoleName="bbws-function", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )["Role"]["Arn"]
    lam = boto3.client("lambda", region_name=REGION)
    for function in FUNCTIONS:
        artifact = manifest.functions[function.name]
        values = {**settings, "service_name": function.service}
        name = env.function_name(function.name)
        lam.create_function(
            FunctionName=name,
            Runtime=artifact.runtime,
            Role=role,
            Handler=function.lambda_handler,
            Code={"ZipFile": (dist / artifact.file).read_bytes()},
            Timeout=TIMEOUT,
            Architectures=[artifact.architecture],
            Environment={"Variables": {ENV_NAMES[f]: values.get(f, f"value of {f}") for f in function.settings}},
            Publish=True,
        )
        alias = lam.create_alias(FunctionName=name, Name=ALIAS, FunctionVersion="1")["AliasArn"]
        if function.queue:
            lam.create_event_source_mapping(
                EventSourceArn=queues[function.queue],
                FunctionName=alias,
                BatchSize=10,
                MaximumBatchingWindowInSeconds=BATCHING_WINDOW,
                FunctionResponseTypes=["ReportBatchItemFailures"],
            )


@pytest.fixture
def account(tmp_path: Path) -> Iterator[Account]:
    """Everything the dev environment's checks look at, as the code says it should be."""
    env = ENVIRONMENTS["dev"]
    with mock_aws():
        moto_fixes.apply()
        dist = tmp_path / "dist"
        manifest = write_dist(dist)
        settings: dict[str, str] = {}
        _create_tables(env, settings)
        queues = _create_queues(env)
        sqs = boto3.client("sqs", region_name=REGION)
        for settings_field, logical in QUEUES.items():
            settings[settings_field] = sqs.get_queue_url(QueueName=f"bbws-{env.name}-{logical}")["QueueUrl"]
        bucket = f"bbws-{env.name}-templates"
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        for path in sorted(REPO_TEMPLATES.glob("*")):
            s3.put_object(Bucket=bucket, Key=TEMPLATE_PREFIX + path.name, Body=path.read_bytes())
        settings["templates_bucket_name"] = bucket
        _create_functions(env, manifest, dist, settings, queues)
        yield Account(env, dist, manifest, REPO_TEMPLATES, settings)
