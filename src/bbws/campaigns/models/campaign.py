"""The campaigns API's bodies: what a client may send and what it gets back."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic.alias_generators import to_camel

from bbws.core.money import MoneyError, to_decimal

# Lower case is accepted on input and stored upper case, so the input pattern allows it.
CODE_INPUT_PATTERN = r"^[A-Za-z0-9-]{3,32}$"
CODE_PATTERN = r"^[A-Z0-9-]{3,32}$"
PRODUCT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{2,63}$"
PERCENT_PATTERN = r"^[0-9]{1,3}\.[0-9]{2}$"
MAX_PRODUCTS = 100
_HUNDRED = Decimal(100)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)
_OUT_OF_RANGE = "must be between 2000-01-01T00:00:00Z and 9998-12-31T23:59:59Z"
PERCENT_TEXT_PATTERN = r"^[0-9]{1,3}(\.[0-9]{1,2})?$"
_PERCENT_TEXT = re.compile(PERCENT_TEXT_PATTERN)


def _percent(value: Any) -> Decimal:
    if isinstance(value, str) and not _PERCENT_TEXT.fullmatch(value):
        raise ValueError('must be a plain decimal with at most 2 decimal places, such as "12.5"')
    try:
        percent = to_decimal(value)
    except MoneyError as exc:
        raise ValueError(str(exc).replace("amount", "percentage")) from None
    exponent = percent.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValueError("must have at most 2 decimal places")
    if not Decimal(0) < percent <= _HUNDRED:
        raise ValueError("must be greater than 0 and at most 100")
    return percent


def _iso_string(value: Any) -> Any:
    # pydantic would also take a number as a Unix time; the contract is ISO 8601 text only.
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 timestamp with a time zone, e.g. 2026-01-02T12:00:00Z")
    return value


def _to_utc(value: datetime) -> datetime:
    try:
        moment = value.astimezone(UTC)
    except OverflowError:  # "0001-01-01T00:00:00+01:00" is before the first representable moment
        raise ValueError(_OUT_OF_RANGE) from None
    # Bounded so every stored timestamp has a four-digit year and sorts as text.
    if not EARLIEST <= moment < LATEST:
        raise ValueError(_OUT_OF_RANGE)
    return moment.replace(microsecond=0)


Percent = Annotated[
    Decimal,
    BeforeValidator(_percent),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": PERCENT_TEXT_PATTERN},
                {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
            ],
            "description": "Greater than 0, at most 100, at most 2 decimal places",
        }
    ),
]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_iso_string), AfterValidator(_to_utc)]
ProductId = Annotated[str, StringConstraints(pattern=PRODUCT_ID_PATTERN)]
TimestampText = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class _ClientCampaignFields(BaseModel):
    """Fields a client sets, shared by create and replace. Unknown fields are a 400."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, frozen=True)

    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    discount_percent: Percent
    product_ids: Annotated[list[ProductId], Field(max_length=MAX_PRODUCTS, description="Empty: the whole catalog")] = []
    starts_at: Timestamp | None = None
    ends_at: Timestamp | None = None

    @model_validator(mode="after")
    def _window_is_not_empty(self) -> _ClientCampaignFields:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("endsAt must be later than startsAt")
        return self


class CampaignCreate(_ClientCampaignFields):
    """POST /campaigns. Without `startsAt` the campaign starts at once."""

    code: Annotated[str, StringConstraints(pattern=CODE_INPUT_PATTERN), AfterValidator(str.upper)]


class CampaignReplace(_ClientCampaignFields):
    """PUT /campaigns/{code}: replaces every client field; `startsAt` is required (a PUT carries
    the whole campaign). `active` omitted leaves it as it is; true switches it back on."""

    starts_at: Timestamp
    active: StrictBool | None = None


class Campaign(BaseModel):
    """A campaign as the API returns it."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, validate_by_name=True, frozen=True)

    code: Annotated[str, Field(pattern=CODE_PATTERN)]
    description: str
    discount_percent: Annotated[str, Field(pattern=PERCENT_PATTERN, examples=["15.00"])]
    product_ids: list[str]
    starts_at: TimestampText
    ends_at: TimestampText | None
    active: bool
    version: int = Field(ge=1)
    created_at: TimestampText
    updated_at: TimestampText


class CampaignPage(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, validate_by_name=True, frozen=True)

    items: list[Campaign]
    next_cursor: str | None
