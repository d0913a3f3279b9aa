"""/eligibility: the policy decision for one order line, as `aftersales policy check` gives it."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import translation
from ninja import Router

from aftersales.policy import services
from aftersales.policy.schemas import DecisionOut, EligibilityIn

router = Router(tags=["eligibility"])


@router.post("/eligibility", response=DecisionOut)
def eligibility(request: HttpRequest, payload: EligibilityIn):
    """Whether a request would be eligible now (or at `at`), why, and what else is possible."""
    question = services.EligibilityQuestion(
        **payload.model_dump(exclude={"explain"}),
    )
    decision = services.judge_eligibility(
        actor=request.auth, question=question, explain=payload.explain
    )
    return decision.as_json(translation.get_language() or "zh-hans")
