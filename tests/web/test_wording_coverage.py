"""Every state, action, outcome and deadline that cases/flows.py declares, in all six flows, has
plain words in zh-Hans and en — on the pages (web/wording.py) and in the messages
(notify/messages.py): nobody reads `return_delivered`."""

import re
from itertools import product

import pytest
from django.utils import translation

from aftersales.cases.flows import FLOWS, NOTICES, merchant_review_duration
from aftersales.cases.models import Deadline
from aftersales.core import clock
from aftersales.notify import messages
from aftersales.web import wording

LANGUAGES = ("zh-hans", "en")
SENTINELS = {"", "@resume"}  # a target picked from the body, or where a rejection left off


def _states() -> set[str]:
    found = set()
    for flow in FLOWS.values():
        found |= set(flow.states) | set(flow.terminal)
        for t in flow.transitions:
            found |= {t.source, t.to} | {state for _value, state in t.outcomes}
        found |= set(flow.resume.values())
    return found - SENTINELS


def _actions() -> set[str]:
    return {t.action for flow in FLOWS.values() for t in flow.transitions} | _deadline_thens()


def _deadline_thens() -> set[str]:
    return {d.then for flow in FLOWS.values() for d in flow.deadlines}


def _outcomes() -> set[str]:
    return {v for flow in FLOWS.values() for t in flow.transitions for v, _state in t.outcomes}


def _deadline_kinds() -> set[str]:
    kinds = {d.duration for flow in FLOWS.values() for d in flow.deadlines} - {"merchant_review"}
    for case_type, shipped, fault in product(FLOWS, (True, False), (True, False)):
        kinds.add(merchant_review_duration(case_type, shipped=shipped, fault=fault))
    return kinds


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _plain(text: str, code: str, language: str) -> bool:
    """Words, not codes: no identifier (`return_delivered`) anywhere; in zh-Hans Chinese and
    no English word left untranslated, in en no Chinese."""
    if "_" in text or not text.strip():
        return False
    if language == "zh-hans":
        return code not in text and _has_chinese(text) and not re.search("[A-Za-z]{3,}", text)
    return not _has_chinese(text)


def test_the_flows_declare_what_this_walks():
    assert len(FLOWS) == 6
    assert {"return_delivered", "replacement_shipped", "diagnosed"} <= _states()
    assert {"confirm_receipt", "deliver_return", "rule"} <= _actions()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("state", sorted(_states()))
def test_every_state_has_a_page_name_in_both_languages(state, language):
    assert state in wording.STATES
    with translation.override(language):
        assert _plain(wording.label(wording.STATES, state), state, language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("action", sorted(_actions() | NOTICES))
def test_every_action_has_a_page_name_in_both_languages(action, language):
    assert action in wording.ACTIONS
    with translation.override(language):
        assert _plain(wording.label(wording.ACTIONS, action), action, language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("outcome", sorted(_outcomes()))
def test_every_outcome_has_a_page_name_in_both_languages(outcome, language):
    assert outcome in wording.OUTCOMES
    with translation.override(language):
        assert _plain(wording.label(wording.OUTCOMES, outcome), outcome, language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("kind", "then"), sorted(product(_deadline_kinds(), _deadline_thens() - NOTICES))
)
def test_every_deadline_reads_as_a_sentence_in_both_languages(kind, then, language):
    deadline = Deadline(kind=kind, action=then, due_at=clock.now())
    with translation.override(language):
        sentence = wording.deadline_sentence(deadline)
    assert _plain(sentence, then, language) and _plain(sentence, kind, language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("state", sorted(_states()))
def test_every_state_a_message_names_is_in_words(state, language):
    payload = {"case_id": 7, "state": state, "to_state": state, "type": "return_refund"}
    for template in messages.templates_for("case.state_changed", payload).values():
        title, body = messages.render(template, payload, language)
        assert _plain(title + " " + body, state, language), (title, body)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("then", sorted(_deadline_thens()))
def test_every_step_a_reminder_promises_is_in_words(then, language):
    payload = {"case_id": 7, "then": then, "due_at": clock.now().isoformat(), "must_act": ["buyer"]}
    for template in messages.templates_for("case.reminder", payload).values():
        title, body = messages.render(template, payload, language)
        assert _plain(title + " " + body, then, language), (title, body)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("case_type", sorted(FLOWS))
def test_every_request_type_a_message_names_is_in_words(case_type, language):
    payload = {"case_id": 7, "type": case_type, "order": "T-1"}
    for template in messages.templates_for("case.created", payload).values():
        title, body = messages.render(template, payload, language)
        assert _plain(title + " " + body, case_type, language), (title, body)


def test_a_message_names_the_carrier_not_its_code():
    payload = {"case_id": 7, "to_state": "return_shipped", "carrier": "sf", "tracking_no": "SF1"}
    template = messages.templates_for("case.state_changed", payload)[messages.MERCHANT]
    _title, body = messages.render(template, payload, "zh-hans")
    assert "顺丰速运" in body
