"""Resolving a customer email to its tenant: found ignoring case, created exactly once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bbws.core import aws
from bbws.core.settings import get_settings
from bbws.tenants.dal.repository import TenantRepository
from bbws.tenants.directory import resolve_tenant


def _tenant_items() -> list[dict[str, object]]:
    table = aws.table(get_settings().require("tenants_table_name"))
    return [item for item in table.scan()["Items"] if item.get("entityType") == "TENANT"]


def test_a_new_email_gets_a_new_tenant_named_after_it(aws_resources) -> None:
    tenant_id = resolve_tenant("new.shopper@example.com")
    tenant = TenantRepository.from_settings().get(tenant_id)
    assert tenant is not None
    assert tenant.contact_email == "new.shopper@example.com"
    assert tenant.name == "new.shopper@example.com"


def test_a_known_email_in_another_case_resolves_to_the_same_tenant(aws_resources) -> None:
    first = resolve_tenant("Shopper@Example.com")
    again = resolve_tenant("  shopper@example.COM ")
    assert again == first
    assert len(_tenant_items()) == 1


def test_concurrent_first_orders_from_one_email_create_exactly_one_tenant(aws_resources, monkeypatch) -> None:
    # Given eight workers that all look the email up before any of them writes (the worst
    # interleaving), with moto's calls serialised because its in-process mock is not thread-safe
    workers = 8
    moto_lock = threading.Lock()
    everyone_looked = threading.Barrier(workers, timeout=10)
    lookup = TenantRepository.tenant_id_for_email
    create = TenantRepository.create

    def racing_lookup(self: TenantRepository, email: str, *, consistent: bool = False) -> str | None:
        with moto_lock:
            found = lookup(self, email, consistent=consistent)
        if not consistent:
            everyone_looked.wait()
        return found

    def serialised_create(self: TenantRepository, tenant: object) -> None:
        with moto_lock:
            create(self, tenant)  # type: ignore[arg-type]

    monkeypatch.setattr(TenantRepository, "tenant_id_for_email", racing_lookup)
    monkeypatch.setattr(TenantRepository, "create", serialised_create)
    # When they all resolve the same new email (in different cases) at once
    emails = ["racer@example.com", "RACER@Example.com"] * (workers // 2)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        ids = list(pool.map(resolve_tenant, emails))
    # Then all of them get the same tenant, and only one tenant exists
    assert len(set(ids)) == 1
    assert len(_tenant_items()) == 1


def test_a_failure_other_than_a_taken_email_is_not_hidden(aws_resources, monkeypatch) -> None:
    from botocore.exceptions import ClientError

    def broken(**_: object) -> None:
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "boom"}}, "TransactWriteItems")

    repository = TenantRepository.from_settings()
    monkeypatch.setattr(repository.table.meta.client, "transact_write_items", broken)
    with pytest.raises(ClientError):
        resolve_tenant("someone@example.com")


def test_a_cancelled_transaction_for_another_reason_is_not_mistaken_for_a_taken_email(
    aws_resources, monkeypatch
) -> None:
    from botocore.exceptions import ClientError

    def throttled(**_: object) -> None:
        reasons = [{"Code": "None"}, {"Code": "ThrottlingError"}]
        raise ClientError(
            {"Error": {"Code": "TransactionCanceledException", "Message": "x"}, "CancellationReasons": reasons},
            "TransactWriteItems",
        )

    repository = TenantRepository.from_settings()
    monkeypatch.setattr(repository.table.meta.client, "transact_write_items", throttled)
    with pytest.raises(ClientError):
        resolve_tenant("someone@example.com")
