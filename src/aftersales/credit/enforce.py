"""What a merchant restriction changes, applied where it belongs through the hooks those contexts
offer (credit sits above them: cases and guarantee never read credit):

- `shorter_review`: the merchant's review deadlines (the policy durations the rules name) count
  `factor` of their length (`cases.deadlines.DURATION_HOOKS`), the deadline's rule naming it;
- `manual_rejection_review`: a rejection goes to the platform's look (`rejection_review`)
  before it takes effect (the flows' `REJECTION_CHECKED` divert, `cases.services.divert_check`);
- `larger_deposit`: the guarantee fund's deposit requirement times `factor`
  (`guarantee.requirements.RAISES`), and a top-up request when the deposit falls short.

Only restrictions in force count (not lifted, not suspended during a late appeal), so the
restriction ending ends the effect: deadlines scheduled after it count in full again, a
rejection takes effect at once, the requirement falls back (an open top-up request follows it).
Deadlines already scheduled keep the date the merchant was given.

The restrictions in force are read for every merchant at once (a row per restricted merchant
and kind) at most every CHECK_SECONDS, so a hook costs no statement; a change made in this
process is seen at once, one made in another within CHECK_SECONDS."""

from __future__ import annotations

import math
import time
from decimal import Decimal
from typing import Any

from django.db import transaction

from aftersales.cases import deadlines as case_deadlines
from aftersales.cases import services as case_services
from aftersales.credit.models import MerchantRestriction, RestrictionKind
from aftersales.credit.rules import current_rules
from aftersales.guarantee import requirements

CHECK_SECONDS = 5.0
SHORTER_REVIEW_RULE = "credit:shorter_review"
REJECTION_REVIEW_RULE = "credit:manual_rejection_review"
LARGER_DEPOSIT_RULE = "credit:larger_deposit"

# (when read, {merchant id: the kinds in force})
_in_force: list[tuple[float, dict[int, frozenset[str]]]] = []


def forget() -> None:
    _in_force.clear()


def in_force(merchant_id: int) -> frozenset[str]:
    """The restrictions in force on a merchant, as the hooks read them (cached)."""
    now = time.monotonic()
    if not _in_force or now - _in_force[0][0] >= CHECK_SECONDS:
        found: dict[int, set[str]] = {}
        rows = MerchantRestriction.objects.filter(
            lifted_at__isnull=True, suspended_at__isnull=True
        ).values_list("merchant_id", "kind")
        for mid, kind in rows:
            found.setdefault(mid, set()).add(kind)
        _in_force[:] = [(now, {mid: frozenset(kinds) for mid, kinds in found.items()})]
    return _in_force[0][1].get(merchant_id, frozenset())


def restriction_changed(*, merchant_id: int, kind: str) -> None:
    """A restriction was imposed, lifted, suspended or put back in force: the hooks read it
    from now on, and a deposit requirement that moved is checked against the deposit. In the
    caller's transaction."""
    forget()
    transaction.on_commit(forget)  # other threads may have read the state before the commit
    if kind == RestrictionKind.LARGER_DEPOSIT:
        from aftersales.guarantee.services import review_requirement

        review_requirement(merchant_id=merchant_id)


def _factor_text(factor: Decimal) -> str:
    return format(factor.normalize(), "f")


def shortened(spec: dict[str, Any], factor: Decimal) -> dict[str, Any]:
    """A policy duration `factor` as long, rounded up to a whole unit (at least one): hours and
    days count in hours, working days and window hours in their own unit."""
    unit, amount = spec["unit"], spec["amount"]
    if unit in ("hours", "days"):
        hours = amount * (24 if unit == "days" else 1)
        amount, unit = max(1, math.ceil(hours * factor)), "hours"
    else:
        amount = max(1, math.ceil(amount * factor))
    source = f"{spec['source']} ×{_factor_text(factor)} {SHORTER_REVIEW_RULE}"
    return {**spec, "amount": amount, "unit": unit, "source": source[:64]}


def shorter_review(case, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    if RestrictionKind.SHORTER_REVIEW not in in_force(case.merchant_id):
        return spec
    terms = current_rules().restriction_terms[RestrictionKind.SHORTER_REVIEW]
    factor = terms["factor"]
    if name not in terms["durations"] or factor is None or factor >= 1:
        return spec
    return shortened(spec, factor)


def rejection_reviewed(case, rule: str) -> str:
    """The platform looks at the rejection first while the merchant is so restricted."""
    if RestrictionKind.MANUAL_REJECTION_REVIEW in in_force(case.merchant_id):
        return REJECTION_REVIEW_RULE
    return ""


def larger_deposit(merchant, requirement: requirements.Requirement) -> requirements.Requirement:
    if RestrictionKind.LARGER_DEPOSIT not in in_force(merchant.pk):
        return requirement
    rules = current_rules()
    factor = rules.restriction_terms[RestrictionKind.LARGER_DEPOSIT]["factor"]
    if factor is None or factor <= 1:
        return requirement
    return requirements.raise_to(
        requirement,
        requirement.amount * factor,
        rule=LARGER_DEPOSIT_RULE,
        why=f"{LARGER_DEPOSIT_RULE} ×{_factor_text(factor)} ({rules.version})",
    )


def register() -> None:
    """Called once from CreditConfig.ready()."""
    case_deadlines.DURATION_HOOKS.append(shorter_review)
    case_services.divert_check("platform_checks_rejections")(rejection_reviewed)
    requirements.RAISES.append(larger_deposit)
