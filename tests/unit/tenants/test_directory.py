"""Resolving a customer email to its tenant: one tenant per mailbox (any spelling), created exactly once."""

from __future__ import annotations

import threading
import unicodedata
import uuid
from concurrent.futures import ThreadPoolExecutor

import idna
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bbws.core import aws
from bbws.core.mailbox import UndeliverableAddress, mailbox_key, parse_mailbox
from bbws.core.settings import get_settings
from bbws.tenants.dal.repository import TenantRepository, to_item
from bbws.tenants.directory import resolve_tenant
from bbws.tenants.models.tenant import Tenant


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


_LOCAL = st.from_regex(r"[a-z0-9](?:[a-z0-9_+.-]{0,6}[a-z0-9])?", fullmatch=True)
_LABEL = st.text(alphabet=st.sampled_from("abkz\u00fc\u00e9\u00df\u0131\u03b1\u0436\u4e2d"), min_size=2, max_size=6)
_FULLWIDTH = {c: chr(ord(c) - ord("a") + 0xFF41) for c in "abcdefghijklmnopqrstuvwxyz"}


def _spellings(local: str, domain_unicode: str, domain_ascii: str, draw_bool) -> list[str]:
    """Ways a shopper may write one mailbox: any case of the local part, the domain as A-label or
    U-label, in upper case, decomposed (NFD), in fullwidth letters, with blanks around."""
    cased = "".join(c.upper() if draw_bool() else c for c in local)
    # Upper case only where it is a case of the same letter ("ß".upper() is "SS": another label).
    upper = "".join(c.upper() if c.upper().lower() == c else c for c in domain_unicode)
    return [
        f"{local}@{domain_ascii}",
        f"{cased}@{domain_ascii.upper()}",
        f"{cased}@{domain_unicode}",
        f"{cased}@{upper}",
        f"{cased}@{unicodedata.normalize('NFD', domain_unicode)}",
        f"{cased}@{''.join(_FULLWIDTH.get(c, c) for c in domain_unicode)}",
        f" {cased}@{domain_unicode}\t",
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(local=_LOCAL, label=_LABEL, data=st.data())
def test_every_spelling_of_one_mailbox_resolves_to_one_tenant_and_no_other_mailbox_does(
    aws_resources, local: str, label: str, data
) -> None:
    # Given a mailbox not seen before (examples share one table: the suffix keeps them apart)
    local = f"{local}.{uuid.uuid4().hex[:8]}"
    try:
        mailbox = parse_mailbox(f"{local}@{label}.example")
    except UndeliverableAddress:
        return  # a label IDNA refuses (mixed scripts, ...): never a mailbox
    domain_ascii = mailbox.address.split("@")[1]
    domain_unicode = idna.decode(domain_ascii)
    # When an order arrives under each spelling of it
    ids = {resolve_tenant(s) for s in _spellings(local, domain_unicode, domain_ascii, lambda: data.draw(st.booleans()))}
    # Then all of them are one tenant, stored with the deliverable address
    assert len(ids) == 1
    (tenant_id,) = ids
    tenant = TenantRepository.from_settings().get(tenant_id)
    assert tenant is not None
    assert mailbox_key(tenant.contact_email) == mailbox.canonical
    # And a neighbouring mailbox (another local part; the same local part elsewhere) is another tenant
    assert resolve_tenant(f"{local}x@{domain_ascii}") != tenant_id
    assert resolve_tenant(f"{local}@x{domain_ascii}") != tenant_id


def test_a_tenant_claimed_under_the_legacy_form_keeps_its_mailbox(aws_resources) -> None:
    # Given a claim written before the canonical form: strip().lower() kept the U-label domain
    repository = TenantRepository.from_settings()
    legacy = Tenant(
        tenant_id="legacy-1", name="Bücher", contact_email="Bob@Bücher.example", created_at="2026-01-01T00:00:00Z"
    )
    repository.table.put_item(Item=to_item(legacy))
    repository.table.put_item(Item={"pk": "EMAIL#bob@bücher.example", "sk": "EMAIL", "tenantId": "legacy-1"})
    # When orders arrive with the A-label spelling, the U-label spelling and other cases
    ids = {resolve_tenant(s) for s in ("bob@xn--bcher-kva.example", "BOB@BÜCHER.example", "bob@bücher.example")}
    # Then each is the legacy tenant, and no second tenant is made
    assert ids == {"legacy-1"}
    assert len(_tenant_items()) == 1


def test_an_undeliverable_address_from_an_older_queued_order_gets_its_own_tenant(aws_resources) -> None:
    # Given a tenant for kelvin@example.com
    kelvin = resolve_tenant("kelvin@example.com")
    # When an order accepted before validation carries a Kelvin sign (lower-cased: "kelvin@")
    other = resolve_tenant("\u212aelvin@example.com")
    # Then it is stored under a tenant of its own, never folded into kelvin@'s
    assert other != kelvin
    assert resolve_tenant("\u212aelvin@example.com") == other
