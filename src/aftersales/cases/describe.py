"""The flows rendered as Markdown (docs/flows.md is this output; a test keeps it current)."""

from __future__ import annotations

from aftersales.cases.flows import FLOWS, Flow
from aftersales.policy.document import DEFAULT_DURATIONS

PARTY_NAMES = {
    "buyer": "buyer",
    "merchant": "merchant",
    "platform": "platform desk",
    "system": "system",
}


def _who(parties: frozenset[str]) -> str:
    return ", ".join(PARTY_NAMES[p] for p in sorted(parties))


def _targets(flow: Flow, t) -> str:
    def name(state: str) -> str:
        if state == "@resume":
            return " / ".join(
                f"{target} (if rejected from {src})" for src, target in flow.resume.items()
            )
        return state

    if t.outcomes:
        found = "; ".join(f"`{t.outcome_field}={value}` → {name(to)}" for value, to in t.outcomes)
    else:
        found = name(t.to)
    for d in t.diverts:
        found += f"; {d.to} instead of {d.into} when {d.check.replace('_', ' ')}"
    return found


def render_flow(flow: Flow) -> str:
    lines = [
        f"## `{flow.name}`",
        "",
        "States: "
        + ", ".join(f"**{s}**" if s in flow.terminal else s for s in flow.states)
        + " (bold: terminal).",
        "",
        "| from | action | by | requires | to |",
        "|---|---|---|---|---|",
    ]
    for t in flow.transitions:
        requires = ", ".join(t.requires) or "—"
        if t.when:
            requires += f"; only when {t.when.replace('_', ' ')}"
        lines.append(
            f"| {t.source} | `{t.action}` | {_who(t.by)} | {requires} | {_targets(flow, t)} |"
        )
    if flow.on_enter:
        lines += [
            "",
            "Automatic steps: "
            + "; ".join(
                f"entering {state}, the system takes `{action}` ({rule})"
                for state, (action, rule) in flow.on_enter.items()
            )
            + ".",
        ]
    if flow.follow_ups:
        lines += [
            "",
            "Checked steps: "
            + "; ".join(
                f"entering {state}, the system takes `{action}` when {check.replace('_', ' ')}"
                for state, (action, check) in flow.follow_ups.items()
            )
            + ".",
        ]
    lines += [
        "",
        "| in state | after (policy duration) | default | source | reminder |",
        "|---|---|---|---|---|",
    ]
    for d in flow.deadlines:
        spec = DEFAULT_DURATIONS.get(d.duration, {})
        after = f"`{d.duration}` ({spec.get('amount')} {spec.get('unit')})" if spec else d.duration
        if d.duration == "merchant_review":
            after += "; 48 h before shipment (TB-01) or for quality claims (JD-02)"
        reminder = f"{d.remind_before_hours} h before" if d.remind_before_hours else "—"
        lines.append(
            f"| {d.state} | {after} | `{d.then}` | {spec.get('source', '')} | {reminder} |"
        )
    return "\n".join(lines)


def render() -> str:
    head = [
        "# Case flows",
        "",
        "Generated from `src/aftersales/cases/flows.py` by `aftersales cases describe`; do not",
        "edit by hand (a test compares it with the flows). Parties: buyer; merchant (staff,",
        "admins and the merchant's integration tokens); platform desk (agents, specialists,",
        "managers, administrators, platform tokens); system (automatic rules and deadlines).",
        "Durations are the defaults of `cn-default`; merchants may shorten their own and",
        "lengthen the buyer's (docs/policy.md).",
        "",
    ]
    return "\n".join(head + [render_flow(f) + "\n" for f in FLOWS.values()])
