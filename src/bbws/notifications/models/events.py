"""The events SES publishes about a sent email (bounce, complaint, reject), as the configuration
set's event destination delivers them: SNS, then the email-events queue.

The shapes are SES's "event publishing" records (`eventType`); the older identity notifications
(`notificationType`) carry the same fields and are read the same way. Only the fields this
platform uses are declared; everything else is ignored, so SES may add fields freely.
"""

from __future__ import annotations

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

_EVENT = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class SesRecipient(BaseModel):
    model_config = _EVENT

    email_address: str = Field(alias="emailAddress", min_length=3, max_length=320)
    status: str | None = None
    diagnostic_code: str | None = Field(default=None, alias="diagnosticCode")


class SesBounce(BaseModel):
    model_config = _EVENT

    bounce_type: str = Field(alias="bounceType")  # Permanent | Transient | Undetermined
    bounce_sub_type: str | None = Field(default=None, alias="bounceSubType")
    bounced_recipients: list[SesRecipient] = Field(alias="bouncedRecipients", min_length=1)
    timestamp: str | None = None
    feedback_id: str | None = Field(default=None, alias="feedbackId")


class SesComplaint(BaseModel):
    model_config = _EVENT

    complained_recipients: list[SesRecipient] = Field(alias="complainedRecipients", min_length=1)
    complaint_feedback_type: str | None = Field(default=None, alias="complaintFeedbackType")
    timestamp: str | None = None
    feedback_id: str | None = Field(default=None, alias="feedbackId")


class SesReject(BaseModel):
    model_config = _EVENT

    reason: str | None = None


class SesMail(BaseModel):
    model_config = _EVENT

    message_id: str = Field(alias="messageId", min_length=1, max_length=256)
    timestamp: str | None = None
    destination: list[str] = Field(default_factory=list)
    tags: dict[str, list[str]] = Field(default_factory=dict)

    def tag(self, name: str) -> str | None:
        values = self.tags.get(name) or []
        return values[0] if values else None


class SesEvent(BaseModel):
    """One SES event about one sent email."""

    model_config = _EVENT

    event_type: str = Field(validation_alias=AliasChoices("eventType", "notificationType"))
    mail: SesMail
    bounce: SesBounce | None = None
    complaint: SesComplaint | None = None
    reject: SesReject | None = None
