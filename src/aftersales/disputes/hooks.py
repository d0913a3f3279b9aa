"""The case engine's steps that concern disputes (`cases.services.after_step`):

- `appeal`: the buyer asks the platform to step in after the merchant's rejection (inside the
  DS-02 window the case's `rejected` deadline keeps) — a dispute opens, linked to the case;
- `refer`: the merchant let a step only it can take run out (a replacement, reissue or
  repaired item never shipped) and the case went to the platform — the system opens a dispute,
  already accepted, waiting for the merchant's answer (DS-05);
- `rule`: a desk ruling taken on the case directly (not through its dispute) closes the
  dispute with that ruling, so the two never disagree.

Registered by `disputes.apps` at start-up, so every process has them."""

from __future__ import annotations

from contextvars import ContextVar

from aftersales.accounts.actors import Actor
from aftersales.cases.services import after_step
from aftersales.disputes import services
from aftersales.disputes.models import Dispute

# Set while a dispute carries out its own ruling on the case (execution.rule_on_case).
EXECUTING: ContextVar[bool] = ContextVar("dispute_executing", default=False)


@after_step("appeal")
def open_disputes(steps) -> None:
    disputes = []
    at = None
    for case, body, event in steps:
        at = event.at
        disputes.append(
            services.build_for_case(
                case,
                reason=body.reason,
                dispute_type=str(body.extra.get("dispute_type") or ""),
                at=event.at,
            )
        )
    if not disputes:
        return
    Dispute.objects.bulk_create(disputes)
    actor = Actor(
        kind=steps[0][2].actor_kind,
        role=steps[0][2].actor_role,
        label=steps[0][2].actor_label,
        user_id=steps[0][2].actor_user_id,
    )
    services.opened(disputes, actor=actor, at=at)


@after_step("refer")
def open_on_merchant_timeout(steps) -> None:
    services.open_on_merchant_timeout(steps)


@after_step("rule")
def close_on_case_ruling(steps) -> None:
    if EXECUTING.get():
        return
    ids = [case.pk for case, _body, _event in steps]
    live = Dispute.objects.filter(case_id__in=ids).exclude(
        state__in=["not_accepted", "settled", "closed"]
    )
    by_case = {case.pk: (body, event) for case, body, event in steps}
    for dispute in live:
        body, event = by_case[dispute.case_id]
        services.close_on_case_ruling(dispute, body=body, event=event)
