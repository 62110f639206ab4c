"""Marking a sent email as bounced or complained in the local stack, as SES would report it.

The emulator delivers nothing, so nothing ever bounces. `POST /_local/outbox/events` names a
message of the outbox and what happened to it; this builds the event SES would publish (with
the message's tags, which carry its order and template) and publishes it to the email-events
topic, whose queue the email-events consumer polls: the same path a real bounce takes.
"""

from __future__ import annotations

import json
from typing import Any

from bbws.core.errors import InvalidInput, NotFound
from bbws.local.emulator import SerialisedApp
from bbws.local.outbox import read_outbox
from bbws.local.ses_events import EventKind, ses_event

KINDS = ", ".join(kind.value for kind in EventKind)


class OutboxFeedback:
    def __init__(self, emulator_app: SerialisedApp | None, sns: Any, topic_arn: str | None) -> None:
        self.emulator_app = emulator_app
        self.sns = sns
        self.topic_arn = topic_arn

    def mark(self, message_id: object, kind: object, recipient: object = None) -> dict[str, Any]:
        """Publish the SES event `kind` about the outbox message `message_id` (to `recipient`,
        or to every recipient of the message). Returns the event published."""
        try:
            event_kind = EventKind(str(kind))
        except ValueError:
            raise InvalidInput(f"event must be one of: {KINDS}") from None
        if not isinstance(message_id, str) or not message_id:
            raise InvalidInput("id must name a message of /_local/outbox.json")
        if self.emulator_app is None or self.topic_arn is None:
            raise NotFound("the stack runs against an external emulator: no outbox to mark")
        message = next((m for m in read_outbox(self.emulator_app) if m.id == message_id), None)
        if message is None:
            raise NotFound(f"no message {message_id} in the outbox")
        recipients = message.to
        if recipient is not None:
            if recipient not in message.to:
                raise InvalidInput(f"{recipient} is not a recipient of {message_id}")
            recipients = [str(recipient)]
        with self.emulator_app.lock:
            tags = dict(self.emulator_app.email_tags.get(message_id, {}))
        event = ses_event(
            event_kind,
            message_id=message.id,
            sender=message.from_.rsplit("<", 1)[-1].rstrip(">").strip(),
            recipients=recipients,
            tags=tags,
        )
        self.sns.publish(TopicArn=self.topic_arn, Message=json.dumps(event))
        return event
