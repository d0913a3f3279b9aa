"""The SLA breach report: how many targets were missed, per team and agent, in a period — one
grouped query per source, never a loop over rows.

- Complaints: their `sla_breached` events (docs/sla.md rule 6). The team is the desk that owns
  the complaint — the merchant's code for a complaint about a shop's order, `platform` for one
  about the platform — and the agent whoever held it when the target was missed (the event
  says; "" for the unassigned pool).
- Cases: the steps the case engine's timers took because the merchant or the platform did not
  act in time — a review the timeout decided (first response), a receipt, refund or ruling
  deadline that passed (next response). The team is the merchant; cases have no agent.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Case, CharField, Count, F, Q, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce

from aftersales.accounts.actors import Actor
from aftersales.cases.models import CaseEvent
from aftersales.complaints.models import ComplaintEvent
from aftersales.complaints.selectors import DESK_SIDE
from aftersales.core.errors import PermissionDenied

PLATFORM_TEAM = "platform"
# The case engine's durations that are the merchant's or the platform's to meet.
DESK_DURATION_PREFIXES = ("merchant_", "platform_")


def _period(rows, start: datetime | None, end: datetime | None):
    if start is not None:
        rows = rows.filter(at__gte=start)
    if end is not None:
        rows = rows.filter(at__lt=end)
    return rows


def breaches(
    actor: Actor,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    team: str = "",
    agent: str = "",
) -> list[dict]:
    """Rows of {team, agent, subject, target, breaches}, most breaches first. The platform desk
    sees every team; a merchant only its own."""
    if actor.role in DESK_SIDE:
        own_team = None
    elif actor.is_merchant_side and actor.merchant_id:
        own_team = actor.merchant_id
    else:
        raise PermissionDenied("Only the service desk and merchants read the breach report.")

    complaints = _period(ComplaintEvent.objects.filter(action="sla_breached"), start, end)
    cases = _period(
        CaseEvent.objects.filter(actor_kind="system").filter(
            Q(action="escalate")
            | Q(payload__timer__kind__startswith=DESK_DURATION_PREFIXES[0])
            | Q(payload__timer__kind__startswith=DESK_DURATION_PREFIXES[1])
        ),
        start,
        end,
    )
    if own_team is not None:
        complaints = complaints.filter(merchant_id=own_team)
        cases = cases.filter(merchant_id=own_team)
    text = CharField()
    complaints = complaints.annotate(
        team=Coalesce(F("merchant__code"), Value(PLATFORM_TEAM), output_field=text),
        agent=Coalesce(KeyTextTransform("assignee", "payload"), Value(""), output_field=text),
        target=KeyTextTransform("kind", "payload"),
    )
    cases = cases.annotate(
        team=F("merchant__code"),
        agent=Value("", output_field=text),
        target=Case(
            When(from_state="requested", then=Value("first_response")),
            default=Value("next_response"),
            output_field=text,
        ),
    )
    if team:
        complaints, cases = complaints.filter(team=team), cases.filter(team=team)
    if agent:
        complaints, cases = complaints.filter(agent=agent), cases.filter(agent=agent)
    out = []
    for subject, rows in (("complaint", complaints), ("case", cases)):
        grouped = rows.values("team", "agent", "target").annotate(n=Count("id")).order_by()
        out += [
            {
                "team": r["team"],
                "agent": r["agent"],
                "subject": subject,
                "target": r["target"],
                "breaches": r["n"],
            }
            for r in grouped
        ]
    out.sort(key=lambda r: (-r["breaches"], r["team"], r["agent"], r["subject"], r["target"]))
    return out
