"""The campaigns API: `/campaigns` routes, each a few lines handing over to the campaign rules."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import content_types
from aws_lambda_powertools.event_handler.api_gateway import Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from bbws.campaigns.dal.items import CampaignRecord
from bbws.campaigns.dal.repository import CampaignRepository
from bbws.campaigns.logic import promotions
from bbws.campaigns.models.campaign import Campaign, CampaignCreate, CampaignPage, CampaignReplace
from bbws.campaigns.read import priming_item
from bbws.core.api import api_entry_point, build_resolver, current_principal
from bbws.core.clock import utc_now
from bbws.core.openapi import ADMIN_ONLY, ANYONE, header, problem_responses
from bbws.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from bbws.core.preconditions import etag
from bbws.core.priming import ValidRequest, add_valid_request
from bbws.core.routes import BASE_PATH

app = build_resolver()

_TAGS = ["campaigns"]
_ETAG = {"ETag": header('The campaign\'s version as a strong entity tag, e.g. `"3"`')}
CodePath = Annotated[str, Path(description="The campaign code (any case)")]


def _campaign_response(record: CampaignRecord, status_code: int = 200) -> Response[Campaign]:
    headers = {"ETag": etag(record.version)}
    if status_code == 201:
        headers["Location"] = f"{BASE_PATH}/campaigns/{record.code}"
    return Response(
        status_code=status_code,
        content_type=content_types.APPLICATION_JSON,
        body=promotions.to_view(record),
        headers=headers,
    )


@app.get(
    "/campaigns",
    summary="List campaigns",
    description="Anyone: campaigns switched on and inside their date window. Admins: every campaign.",
    tags=_TAGS,
    security=ANYONE,
    responses={200: {"description": "A page of campaigns"}, **problem_responses(400, 401, 403, 413, 503)},
)
def list_campaigns(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(description="`nextCursor` of the previous page")] = None,
) -> CampaignPage:
    page = promotions.list_campaigns(
        CampaignRepository.from_settings(), current_principal(app), limit=limit, cursor=cursor, now=utc_now()
    )
    return CampaignPage(items=[promotions.to_view(r) for r in page.items], next_cursor=page.next_cursor)


@app.get(
    "/campaigns/<code>",
    summary="Read a campaign",
    description="200 while the code is usable, else 404; admins see every campaign.",
    tags=_TAGS,
    security=ANYONE,
    responses={200: {"description": "The campaign", "headers": _ETAG}, **problem_responses(401, 403, 404, 413)},
)
def get_campaign(code: CodePath) -> Response[Campaign]:
    record = promotions.read_campaign(CampaignRepository.from_settings(), current_principal(app), code, utc_now())
    return _campaign_response(record)


@app.post(
    "/campaigns",
    summary="Start a campaign",
    tags=_TAGS,
    security=ADMIN_ONLY,
    responses={
        201: {
            "description": "The campaign was created",
            "headers": {**_ETAG, "Location": header("The campaign's URL")},
        },
        **problem_responses(400, 401, 403, 409, 413),
    },
)
def create_campaign(campaign: CampaignCreate) -> Response[Campaign]:
    record = promotions.create_campaign(CampaignRepository.from_settings(), current_principal(app), campaign, utc_now())
    return _campaign_response(record, status_code=201)


@app.put(
    "/campaigns/<code>",
    summary="Replace a campaign",
    description=(
        "Replaces every client field and bumps the version. `active: true` switches a campaign "
        "back on; omitted leaves it as it is."
    ),
    tags=_TAGS,
    security=ADMIN_ONLY,
    responses={
        200: {"description": "The campaign as replaced", "headers": _ETAG},
        **problem_responses(400, 401, 403, 404, 412, 413),
    },
)
def replace_campaign(
    code: CodePath,
    campaign: CampaignReplace,
    if_match: Annotated[str | None, Header(alias="If-Match", description='`"<version>"` from the ETag')] = None,
) -> Response[Campaign]:
    record = promotions.replace_campaign(
        CampaignRepository.from_settings(),
        current_principal(app),
        code,
        campaign,
        if_match=if_match,
        now=utc_now(),
    )
    return _campaign_response(record)


@app.delete(
    "/campaigns/<code>",
    summary="End a campaign",
    description="Soft delete: the campaign is switched off; orders that used it keep its code.",
    tags=_TAGS,
    security=ADMIN_ONLY,
    responses={204: {"description": "The campaign is switched off"}, **problem_responses(401, 403, 404, 413)},
)
def retire_campaign(code: CodePath) -> Response[None]:
    promotions.retire_campaign(CampaignRepository.from_settings(), current_principal(app), code, utc_now())
    return Response(status_code=204, body=None)


# SnapStart priming rehearses the storefront's list of campaigns too (one priming campaign).
add_valid_request("campaigns-api", ValidRequest("GET", "/campaigns", 200, lambda: [priming_item("BBWS-PRIMING")]))
lambda_handler = api_entry_point(app, function="campaigns-api")
