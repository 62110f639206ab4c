"""A small shop for order tests: products and campaigns written straight into their tables."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bbws.campaigns.dal.items import CampaignRecord
from bbws.campaigns.dal.items import to_item as campaign_item
from bbws.core import aws
from bbws.core.settings import get_settings
from bbws.products.dal.items import ProductRecord
from bbws.products.dal.items import to_item as product_item

CREATED = "2026-01-01T00:00:00Z"


def add_product(
    product_id: str, price: str, currency: str = "ZAR", *, active: bool = True, name: str | None = None
) -> None:
    record = ProductRecord(
        product_id=product_id,
        name=name or product_id.replace("-", " ").title(),
        description="",
        price=Decimal(price),
        currency=currency,
        features=("feature",),
        billing_cycle="once",
        active=active,
        version=1,
        created_at=CREATED,
        updated_at=CREATED,
    )
    aws.table(get_settings().require("products_table_name")).put_item(Item=product_item(record))


def add_campaign(
    code: str,
    percent: str,
    product_ids: tuple[str, ...] = (),
    *,
    active: bool = True,
    starts_at: datetime = datetime(2020, 1, 1, tzinfo=UTC),
    ends_at: datetime | None = None,
) -> None:
    record = CampaignRecord(
        code=code,
        description="",
        discount_percent=Decimal(percent),
        product_ids=product_ids,
        starts_at=starts_at,
        ends_at=ends_at,
        active=active,
        version=1,
        created_at=CREATED,
        updated_at=CREATED,
    )
    aws.table(get_settings().require("campaigns_table_name")).put_item(Item=campaign_item(record))


def stock_the_shop() -> None:
    add_product("site-basic", "1500.00", name="Basic Website")
    add_product("hosting-monthly", "99.99", name="Monthly Hosting")
    add_product("retired-plan", "10.00", active=False)
    add_product("usd-plan", "50.00", currency="USD")
    add_campaign("SAVE10", "10")
    add_campaign("HOSTING-HALF", "50", ("hosting-monthly",))
    add_campaign("EXPIRED", "20", ends_at=datetime(2021, 1, 1, tzinfo=UTC))
    add_campaign("SWITCHED-OFF", "20", active=False)
