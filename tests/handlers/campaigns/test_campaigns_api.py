"""The campaigns API as SPEC §3 states it, through real API Gateway REST proxy events."""

from __future__ import annotations

import pytest

from tests.handlers.campaigns.conftest import CAMPAIGN
from tests.support.dynamodb_calls import dynamodb_calls
from tests.support.events import header, response_json, tenant_claims

REPLACEMENT = {"discountPercent": "20", "startsAt": "2020-01-01T00:00:00Z"}


def codes(response) -> list[str]:
    return [campaign["code"] for campaign in response_json(response)["items"]]


def test_admin_starts_a_campaign_with_a_lower_case_code_stored_upper_case(call, admin) -> None:
    response = call("POST", "/campaigns", body={**CAMPAIGN, "code": "spring-25"}, claims=admin)
    assert response["statusCode"] == 201
    assert header(response, "Location") == "/v1.0/campaigns/SPRING-25"
    assert header(response, "ETag") == '"1"'
    body = response_json(response)
    assert (body["code"], body["discountPercent"], body["active"], body["endsAt"]) == ("SPRING-25", "15.00", True, None)


def test_start_time_defaults_to_now(call, admin) -> None:
    body = {key: value for key, value in CAMPAIGN.items() if key != "startsAt"}
    response = call("POST", "/campaigns", body=body, claims=admin)
    created = response_json(response)
    assert created["startsAt"] == created["createdAt"]


def test_timestamps_with_an_offset_are_stored_in_utc(call, admin) -> None:
    body = {**CAMPAIGN, "startsAt": "2030-01-01T02:00:00+02:00", "endsAt": "2030-02-01T00:00:00Z"}
    created = response_json(call("POST", "/campaigns", body=body, claims=admin))
    assert (created["startsAt"], created["endsAt"]) == ("2030-01-01T00:00:00Z", "2030-02-01T00:00:00Z")


def test_duplicate_code_in_any_case_is_a_409(call, admin, add_campaign) -> None:
    add_campaign()
    response = call("POST", "/campaigns", body={**CAMPAIGN, "code": "spring-25"}, claims=admin)
    assert response["statusCode"] == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"code": "AB"}, "code"),
        ({"code": "NO SPACES"}, "code"),
        ({"code": "X" * 33}, "code"),
        ({"discountPercent": "0"}, "discountPercent"),
        ({"discountPercent": "100.01"}, "discountPercent"),
        ({"discountPercent": "12.345"}, "discountPercent"),
        ({"discountPercent": True}, "discountPercent"),
        ({"productIds": ["Not An Id"]}, "productIds[0]"),
        ({"startsAt": "2026-01-01T00:00:00"}, "startsAt"),
        ({"startsAt": 1767225600}, "startsAt"),
        ({"startsAt": "0230-10-23T05:37:37Z"}, "startsAt"),
        ({"startsAt": "0001-01-01T00:00:00+01:00"}, "startsAt"),
        ({"endsAt": "9999-12-31T23:00:00-02:00"}, "endsAt"),
        ({"startsAt": "2026-02-01T00:00:00Z", "endsAt": "2026-01-01T00:00:00Z"}, "body"),
        ({"active": False}, "active"),
    ],
)
def test_invalid_or_unknown_fields_are_a_400_naming_the_field(send, admin, change, field) -> None:
    response = send("POST", "/campaigns", body={**CAMPAIGN, **change}, claims=admin)
    assert response["statusCode"] == 400
    assert field in [error["field"] for error in response_json(response)["errors"]]


def test_end_in_the_past_with_no_start_is_a_400(call, admin) -> None:
    body = {"code": "LATE", "discountPercent": 5, "endsAt": "2020-01-01T00:00:00Z"}
    response = call("POST", "/campaigns", body=body, claims=admin)
    assert response["statusCode"] == 400
    assert response_json(response)["errors"] == [{"field": "endsAt", "message": "must be in the future"}]


def test_discount_with_two_decimals_is_kept_exactly(call, admin) -> None:
    response = call("POST", "/campaigns", raw_body='{"code":"EXACT","discountPercent":12.35}', claims=admin)
    assert response_json(response)["discountPercent"] == "12.35"


def test_writes_need_an_admin_token(call) -> None:
    assert call("POST", "/campaigns", body=CAMPAIGN)["statusCode"] == 401
    assert call("POST", "/campaigns", body=CAMPAIGN, claims=tenant_claims("t-1"))["statusCode"] == 403


def test_anyone_reads_a_usable_campaign_by_code_in_any_case_in_one_getitem(call, add_campaign, aws_resources) -> None:
    add_campaign()
    with dynamodb_calls(aws_resources.settings["campaigns_table_name"]) as calls:
        response = call("GET", "/campaigns/spring-25", code="spring-25")
    assert response["statusCode"] == 200
    assert response_json(response)["code"] == "SPRING-25"
    assert calls == {"GetItem": 1}


@pytest.mark.parametrize(
    "window",
    [
        {"startsAt": "2099-01-01T00:00:00Z"},
        {"startsAt": "2020-01-01T00:00:00Z", "endsAt": "2021-01-01T00:00:00Z"},
    ],
    ids=["not-started", "ended"],
)
def test_campaign_outside_its_window_is_a_404_for_the_public_but_not_for_admins(
    call, admin, add_campaign, window
) -> None:
    add_campaign(**window)
    assert call("GET", "/campaigns/SPRING-25", code="SPRING-25")["statusCode"] == 404
    assert call("GET", "/campaigns/SPRING-25", code="SPRING-25", claims=admin)["statusCode"] == 200


def test_ended_campaign_is_a_404_for_the_public(call, admin, add_campaign) -> None:
    add_campaign()
    assert call("DELETE", "/campaigns/SPRING-25", code="SPRING-25", claims=admin)["statusCode"] == 204
    assert call("GET", "/campaigns/SPRING-25", code="SPRING-25")["statusCode"] == 404
    as_admin = call("GET", "/campaigns/SPRING-25", code="SPRING-25", claims=admin)
    assert response_json(as_admin)["active"] is False


def test_unknown_or_impossible_codes_are_a_404(call) -> None:
    assert call("GET", "/campaigns/NOPE", code="NOPE")["statusCode"] == 404
    assert call("GET", "/campaigns/x", code="has space")["statusCode"] == 404


def test_delete_of_a_missing_campaign_is_a_404(call, admin) -> None:
    assert call("DELETE", "/campaigns/GHOST", code="GHOST", claims=admin)["statusCode"] == 404


def test_put_replaces_the_campaign_and_can_switch_it_back_on(call, admin, add_campaign) -> None:
    add_campaign(endsAt="2099-01-01T00:00:00Z")
    call("DELETE", "/campaigns/SPRING-25", code="SPRING-25", claims=admin)
    response = call(
        "PUT",
        "/campaigns/spring-25",
        code="spring-25",
        body={**REPLACEMENT, "productIds": ["web-basic", "web-basic"], "active": True},
        claims=admin,
        headers={"If-Match": '"2"'},
    )
    assert response["statusCode"] == 200
    assert header(response, "ETag") == '"3"'
    body = response_json(response)
    assert (body["discountPercent"], body["productIds"], body["active"]) == ("20.00", ["web-basic"], True)
    assert body["endsAt"] is None  # omitted: open-ended now
    assert call("GET", "/campaigns/SPRING-25", code="SPRING-25")["statusCode"] == 200


def test_put_with_a_stale_if_match_is_a_412(call, admin, add_campaign) -> None:
    add_campaign()
    response = call(
        "PUT", "/campaigns/SPRING-25", code="SPRING-25", body=REPLACEMENT, claims=admin, headers={"If-Match": '"9"'}
    )
    assert response["statusCode"] == 412


def test_put_needs_a_start_and_an_existing_campaign(call, admin) -> None:
    no_start = call("PUT", "/campaigns/GHOST", code="GHOST", body={"discountPercent": 5}, claims=admin)
    missing = call("PUT", "/campaigns/GHOST", code="GHOST", body=REPLACEMENT, claims=admin)
    assert no_start["statusCode"] == 400
    assert missing["statusCode"] == 404


def test_public_list_holds_only_usable_campaigns_in_one_query(call, admin, add_campaign, aws_resources) -> None:
    add_campaign(code="LIVE")
    add_campaign(code="FUTURE", startsAt="2099-01-01T00:00:00Z")
    add_campaign(code="PAST", endsAt="2021-01-01T00:00:00Z")
    add_campaign(code="OFF")
    call("DELETE", "/campaigns/OFF", code="OFF", claims=admin)
    with dynamodb_calls(aws_resources.settings["campaigns_table_name"]) as calls:
        public = call("GET", "/campaigns")
    assert codes(public) == ["LIVE"]
    assert calls == {"Query": 1}
    assert codes(call("GET", "/campaigns", claims=admin)) == ["FUTURE", "LIVE", "OFF", "PAST"]


def test_admin_list_pages_follow_the_cursor(call, admin, add_campaign) -> None:
    for n in range(5):
        add_campaign(code=f"CODE-{n}")
    first = response_json(call("GET", "/campaigns", query={"limit": "3"}, claims=admin))
    second = response_json(call("GET", "/campaigns", query={"limit": "3", "cursor": first["nextCursor"]}, claims=admin))
    assert [c["code"] for c in first["items"] + second["items"]] == [f"CODE-{n}" for n in range(5)]
    assert second["nextCursor"] is None


def test_tampered_cursor_is_a_400(call) -> None:
    response = call("GET", "/campaigns", query={"cursor": "bm90LWEtY3Vyc29y"})
    assert response["statusCode"] == 400
