"""The published write API of orders for the notifications service: noting on an order why
one of its emails did not reach a recipient (a bounce, a complaint, a rejection, a suppressed
address), so an admin reading the order sees it.

Other services import only this module. Recording is one conditional UpdateItem on the order
and is idempotent: the same SES event delivered twice is recorded once.
"""

from __future__ import annotations

from bbws.core.observability import logger
from bbws.orders.dal.email_issues import IssueRecorded, append_email_issue
from bbws.orders.models.order import ORDER_ID, EmailIssue, EmailProblem

__all__ = ["EmailIssue", "EmailProblem", "IssueRecorded", "record_email_issue"]


def record_email_issue(order_id: str, issue: EmailIssue) -> IssueRecorded:
    """Note `issue` on the order `order_id`. An order that does not exist is not an error for
    the caller (the event is logged): there is nothing to retry."""
    outcome = append_email_issue(order_id, issue) if ORDER_ID.fullmatch(order_id) else IssueRecorded.NO_ORDER
    if outcome in (IssueRecorded.NO_ORDER, IssueRecorded.FULL):
        logger.warning(
            "email issue not recorded on the order",
            extra={"order_id": order_id, "outcome": str(outcome), "problem": str(issue.problem)},
        )
    return outcome
