"""The pay-first contest (GF-03) declared as data: its states, who may take each step, what a
step requires and the window it must fall within. The services, API and pages read it."""

from __future__ import annotations

from dataclasses import dataclass

from aftersales.accounts.actors import MERCHANT_INTEGRATION
from aftersales.accounts.models import Role

MERCHANT_CONTESTERS = frozenset({Role.MERCHANT_ADMIN, MERCHANT_INTEGRATION})
PLATFORM_DECIDERS = frozenset({Role.SPECIALIST, Role.MANAGER, Role.ADMIN})


@dataclass(frozen=True)
class Step:
    source: str
    action: str
    to: str
    by: frozenset[str]
    requires: tuple[str, ...] = ()
    # A policy duration the step must fall within, counted from when the pay-first was paid.
    within: str = ""


@dataclass(frozen=True)
class ContestFlow:
    states: tuple[str, ...]
    terminal: frozenset[str]
    steps: tuple[Step, ...]
    # Nobody contests within the window: the claim simply stands (no step is taken).
    window: str
    window_rule: str

    def step(self, state: str, action: str) -> Step | None:
        return next((s for s in self.steps if s.source == state and s.action == action), None)

    def actions(self, state: str, role: str) -> list[str]:
        return [s.action for s in self.steps if s.source == state and role in s.by]


CONTEST = ContestFlow(
    states=("none", "contested", "upheld", "rejected"),
    terminal=frozenset({"upheld", "rejected"}),
    steps=(
        Step(
            "none",
            "contest",
            "contested",
            by=MERCHANT_CONTESTERS,
            requires=("reason",),
            within="merchant_contest_pay_first",
        ),
        Step("contested", "uphold", "upheld", by=PLATFORM_DECIDERS, requires=("note",)),
        Step("contested", "reject", "rejected", by=PLATFORM_DECIDERS, requires=("note",)),
    ),
    window="merchant_contest_pay_first",
    window_rule="GF-03",
)
