"""The tenants API: admins list and create tenants; a tenant sees only itself."""

from __future__ import annotations

from typing import Any

from bbws.tenants.directory import resolve_tenant
from bbws.tenants.handlers.api import lambda_handler
from tests.support.events import (
    STOREFRONT_KEY,
    LambdaContext,
    admin_claims,
    api_event,
    header,
    response_json,
    tenant_claims,
)


def call(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    return lambda_handler(api_event(method, path, **kwargs), LambdaContext())


def create(name: str, email: str) -> dict[str, Any]:
    return call("POST", "/tenants", body={"name": name, "contactEmail": email}, claims=admin_claims())


def test_admin_creates_a_tenant_with_id_and_creation_time(aws_resources) -> None:
    # When an admin adds a tenant
    response = create("Acme Ltd", "owner@acme.example")
    # Then it is created with a server id and timestamp, and its URL
    assert response["statusCode"] == 201
    tenant = response_json(response)
    assert tenant["name"] == "Acme Ltd"
    assert tenant["contactEmail"] == "owner@acme.example"
    assert tenant["tenantId"]
    assert tenant["createdAt"].endswith("Z")
    assert header(response, "Location") == f"/v1.0/tenants/{tenant['tenantId']}"


def test_a_contact_email_already_used_in_any_case_is_a_409(aws_resources) -> None:
    # Given a tenant with a contact email
    create("Acme Ltd", "owner@acme.example")
    # When another tenant is added with the same email in other letters' case
    response = create("Acme Again", "OWNER@Acme.Example")
    # Then it is refused as a conflict
    assert response["statusCode"] == 409
    assert response_json(response)["status"] == 409


def test_an_email_resolved_from_an_order_cannot_be_claimed_again(aws_resources) -> None:
    # Given a tenant created from an order's customer email
    resolve_tenant("shopper@example.com")
    # When an admin adds a tenant with that email
    response = create("Shopper Co", "Shopper@example.com")
    # Then it conflicts
    assert response["statusCode"] == 409


def test_unknown_fields_are_a_400(aws_resources) -> None:
    response = call(
        "POST",
        "/tenants",
        body={"name": "A", "contactEmail": "a@b.example", "tenantId": "mine"},
        claims=admin_claims(),
    )
    assert response["statusCode"] == 400
    assert {"field": "tenantId", "message": "Extra inputs are not permitted"} in response_json(response)["errors"]


def test_an_invalid_email_is_a_400(aws_resources) -> None:
    response = create("A", "not-an-email")
    assert response["statusCode"] == 400


def test_only_admins_create_tenants(aws_resources) -> None:
    body = {"name": "A", "contactEmail": "a@b.example"}
    as_tenant = call("POST", "/tenants", body=body, claims=tenant_claims("t-1"))
    as_nobody = call("POST", "/tenants", body=body)
    as_storefront = call("POST", "/tenants", body=body, api_key=STOREFRONT_KEY)
    assert (as_tenant["statusCode"], as_nobody["statusCode"], as_storefront["statusCode"]) == (403, 401, 403)


def test_admin_lists_tenants_newest_first_page_by_page(aws_resources) -> None:
    # Given three tenants
    ids = [response_json(create(f"T{i}", f"t{i}@example.com"))["tenantId"] for i in range(3)]
    # When an admin lists them two at a time
    first = response_json(call("GET", "/tenants", query={"limit": "2"}, claims=admin_claims()))
    second = response_json(
        call("GET", "/tenants", query={"limit": "2", "cursor": first["nextCursor"]}, claims=admin_claims())
    )
    # Then every tenant is listed exactly once across the pages, and the last page says so
    listed = [t["tenantId"] for t in first["items"] + second["items"]]
    assert sorted(listed) == sorted(ids)
    assert len(first["items"]) == 2
    assert second["nextCursor"] is None


def test_a_tampered_cursor_is_a_400(aws_resources) -> None:
    response = call("GET", "/tenants", query={"cursor": "AAAA"}, claims=admin_claims())
    assert response["statusCode"] == 400


def test_a_tenant_may_not_list_tenants(aws_resources) -> None:
    assert call("GET", "/tenants", claims=tenant_claims("t-1"))["statusCode"] == 403


def test_a_tenant_reads_itself(aws_resources) -> None:
    tenant_id = response_json(create("Acme", "owner@acme.example"))["tenantId"]
    response = call("GET", f"/tenants/{tenant_id}", claims=tenant_claims(tenant_id))
    assert response["statusCode"] == 200
    assert response_json(response)["name"] == "Acme"


def test_another_tenant_is_a_404_identical_to_a_missing_one(aws_resources) -> None:
    # Given two tenants
    mine = response_json(create("Mine", "me@example.com"))["tenantId"]
    theirs = response_json(create("Theirs", "them@example.com"))["tenantId"]
    # When one reads the other, and a tenant that does not exist
    other = call("GET", f"/tenants/{theirs}", claims=tenant_claims(mine))
    missing = call("GET", "/tenants/no-such-tenant", claims=tenant_claims(mine))
    # Then both answers are the same 404
    assert other["statusCode"] == missing["statusCode"] == 404
    assert other["body"] == missing["body"]


def test_a_tenant_naming_another_tenant_in_x_tenant_id_is_a_403(aws_resources) -> None:
    mine = response_json(create("Mine", "me@example.com"))["tenantId"]
    response = call("GET", f"/tenants/{mine}", claims=tenant_claims(mine), headers={"X-Tenant-Id": "someone-else"})
    assert response["statusCode"] == 403
    same = call("GET", f"/tenants/{mine}", claims=tenant_claims(mine), headers={"X-Tenant-Id": mine})
    assert same["statusCode"] == 200


def test_admin_reads_any_tenant(aws_resources) -> None:
    tenant_id = response_json(create("Acme", "owner@acme.example"))["tenantId"]
    assert call("GET", f"/tenants/{tenant_id}", claims=admin_claims())["statusCode"] == 200
    assert call("GET", "/tenants/missing", claims=admin_claims())["statusCode"] == 404


def test_an_id_that_cannot_exist_is_a_plain_404(aws_resources) -> None:
    assert call("GET", f"/tenants/{'x' * 3000}", claims=admin_claims())["statusCode"] == 404


def test_an_undeliverable_contact_email_is_a_400_naming_the_field(aws_resources) -> None:
    for email in ("a..b@example.com", "b\u00f8b@example.com", "bob@example.com.", "\u212aelvin@example.com"):
        response = create("Acme Ltd", email)
        assert response["statusCode"] == 400, email
        assert [e["field"] for e in response_json(response)["errors"]] == ["contactEmail"]
    listed = call("GET", "/tenants", claims=admin_claims())
    assert response_json(listed)["items"] == []


def test_a_contact_email_is_stored_with_its_domain_as_punycode_and_claims_its_mailbox(aws_resources) -> None:
    # Given a tenant whose contact email has an IDN domain
    response = create("Bücher", "Owner@Bücher.example")
    assert response["statusCode"] == 201
    assert response_json(response)["contactEmail"] == "Owner@xn--bcher-kva.example"
    # When another tenant names the same mailbox in another spelling
    for spelling in ("owner@xn--bcher-kva.example", "OWNER@B\u00dcCHER.EXAMPLE", "owner@bu\u0308cher.example"):
        # Then it conflicts
        assert create("Again", spelling)["statusCode"] == 409, spelling
    # And an order from any spelling of it resolves to that tenant
    assert resolve_tenant("owner@BÜCHER.example") == response_json(response)["tenantId"]


def test_a_contact_email_of_254_characters_is_accepted_and_255_is_a_400_storing_nothing(aws_resources) -> None:
    # Given addresses at RFC 5321's limit and one character over it (as sent)
    longest = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"
    assert len(longest) == 254
    for email in (longest.replace("d" * 57, "d" * 58), longest + " ", "\t" * 240 + "bob@example.com"):
        # When a tenant is created with one over
        response = create("Too Long", email)
        # Then it is a 400 naming the field, and no tenant exists
        assert response["statusCode"] == 400, email
        assert header(response, "Content-Type") == "application/problem+json"
        assert [e["field"] for e in response_json(response)["errors"]] == ["contactEmail"]
    assert response_json(call("GET", "/tenants", claims=admin_claims()))["items"] == []
    # And the 254-character address is accepted as it is
    created = create("Longest", longest)
    assert created["statusCode"] == 201, created["body"]
    assert response_json(created)["contactEmail"] == longest
