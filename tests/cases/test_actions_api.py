"""The cases API around the flows: refusals of actions (unknown, out of turn, missing or wrong
fields, stale versions), the scoped and filtered list, one case, and its event log."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from aftersales.cases.models import CaseEvent
from tests.cases import builders as b

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)  # a Monday


def events_of(case_id: int) -> int:
    return CaseEvent.objects.filter(case_id=case_id).count()


# --- Refusals ----------------------------------------------------------------------------------


def test_unknown_action_is_422_naming_action():
    c = b.open_case()
    response = c.try_act("merchant", "teleport")
    b.assert_problem(response, 422, "action")
    assert events_of(c.id) == 1


def test_action_out_of_turn_is_409_naming_the_allowed_actions():
    c = b.open_case()
    response = c.try_act("merchant", "refund")
    body = b.assert_problem(response, 409)
    assert body["type"].endswith("action-not-allowed")
    assert body["allowed_actions"] == ["approve", "reject"]
    assert body["state"] == "requested"
    assert events_of(c.id) == 1


def test_action_of_another_party_is_409_naming_what_the_caller_may_do():
    c = b.open_case()
    response = c.try_act("buyer", "approve")
    assert b.assert_problem(response, 409)["allowed_actions"] == ["withdraw"]


def test_rejection_without_reason_is_422_naming_reason():
    c = b.open_case()
    b.assert_problem(c.try_act("merchant", "reject"), 422, "reason")
    b.assert_problem(c.try_act("merchant", "reject", note="no"), 422, "reason")
    assert events_of(c.id) == 1


def test_ship_return_without_tracking_number_is_422_naming_it():
    c = b.open_case()
    c.act("merchant", "approve")
    b.assert_problem(c.try_act("buyer", "ship_return", carrier="sf"), 422, "tracking_no")


def test_inspection_result_outside_the_flows_outcomes_is_422_naming_result():
    c = b.open_case()
    c.act("merchant", "approve")
    c.act("buyer", "ship_return", **b.SHIPPED)
    c.act("merchant", "confirm_receipt")
    b.assert_problem(c.try_act("merchant", "inspect", result="meh"), 422, "result")


def test_amount_above_what_is_refundable_is_422_naming_the_limit():
    c = b.open_case()
    c.act("merchant", "approve")
    c.act("buyer", "ship_return", **b.SHIPPED)
    c.act("merchant", "confirm_receipt")
    response = c.try_act("merchant", "refund", amount="60.01")
    body = b.assert_problem(response, 422, "amount")
    assert "60.00" in body["errors"][0]["message"]
    assert c.act("merchant", "refund", amount="60.00")["refund_amount"] == "60.00"


def test_stale_expected_version_is_409_and_changes_nothing():
    c = b.open_case()
    version = c.case["version"]
    c.act("merchant", "approve", expected_version=version)
    response = c.try_act("buyer", "withdraw", expected_version=version)
    body = b.assert_problem(response, 409, "expected_version")
    assert body["version"] == version + 1
    assert c.shop.merchant_api.get(f"/cases/{c.id}").json()["state"] == "approved"


def test_current_expected_version_is_accepted():
    c = b.open_case()
    case = c.act("merchant", "approve", expected_version=c.case["version"])
    assert case["version"] == 2


def test_another_merchants_case_does_not_exist_for_its_actions():
    c = b.open_case()
    stranger = b.shop()
    response = stranger.merchant_api.post(f"/cases/{c.id}/actions/approve", {})
    b.assert_problem(response, 404)
    assert events_of(c.id) == 1


# --- One case ----------------------------------------------------------------------------------


def test_case_shows_each_caller_their_own_next_actions():
    c = b.open_case()
    path = f"/cases/{c.id}"
    assert c.buyer_api.get(path).json()["next_actions"] == ["withdraw"]
    assert c.shop.merchant_api.get(path).json()["next_actions"] == ["approve", "reject"]
    assert c.shop.desk_api.get(path).json()["next_actions"] == []


def test_case_shows_its_open_deadlines_with_due_times():
    with time_machine.travel(T0, tick=False):
        c = b.open_case()  # no_reason return: the merchant has 5 days (TB-02)
    deadlines = c.shop.merchant_api.get(f"/cases/{c.id}").json()["deadlines"]
    assert [(d["kind"], d["then"], d["rule"]) for d in deadlines] == [
        ("merchant_review", "approve", "TB-02")
    ]
    assert datetime.fromisoformat(deadlines[0]["due_at"]) == T0 + timedelta(days=5)
    assert deadlines[0]["due_at"].endswith("+08:00")


def test_case_deadlines_follow_the_state():
    c = b.open_case()
    c.act("merchant", "approve")
    kinds = [d["kind"] for d in c.case["deadlines"]]
    assert kinds == ["buyer_ship_return"]


# --- The event log -----------------------------------------------------------------------------


def test_events_list_who_when_from_to_action_note_and_rule():
    with time_machine.travel(T0, tick=False):
        c = b.open_case()
        c.act("merchant", "reject", reason="已穿着", note="见照片")
    events = c.events()
    assert [e["seq"] for e in events] == [1, 2]
    reject = events[1]
    assert (reject["actor"]["kind"], reject["actor"]["role"]) == ("token", "merchant_integration")
    assert (reject["from_state"], reject["to_state"], reject["action"]) == (
        "requested",
        "rejected",
        "reject",
    )
    assert (reject["note"], reject["rule"]) == ("见照片", "")
    assert datetime.fromisoformat(reject["at"]) == T0


def test_events_are_paginated_in_order():
    c = b.open_case()
    c.act("merchant", "reject", reason="已穿着")
    c.act("buyer", "appeal", reason="没穿过")
    first = c.buyer_api.get(f"/cases/{c.id}/events", limit=2).json()
    rest = c.buyer_api.get(f"/cases/{c.id}/events", limit=2, cursor=first["next_cursor"]).json()
    assert [e["seq"] for e in first["items"] + rest["items"]] == [1, 2, 3]
    assert rest["next_cursor"] is None


# --- The list ----------------------------------------------------------------------------------


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def test_buyer_lists_only_their_own_cases():
    s = b.shop()
    mine = b.open_case(s)
    b.open_case(s)  # another buyer's, same shop
    assert ids(mine.buyer_api.get("/cases")) == {mine.id}


def test_merchant_lists_only_its_own_cases():
    mine, theirs = b.open_case(), b.open_case()
    assert ids(mine.shop.merchant_api.get("/cases")) == {mine.id}
    assert ids(theirs.shop.merchant_api.get("/cases")) == {theirs.id}


def test_platform_lists_every_merchants_cases_and_filters_by_merchant():
    one, two = b.open_case(), b.open_case()
    platform = one.shop.platform_api
    assert ids(platform.get("/cases")) == {one.id, two.id}
    assert ids(platform.get("/cases", merchant=two.shop.code)) == {two.id}


def test_list_filters_by_state_and_type():
    s = b.shop()
    requested = b.open_case(s)
    approved = b.open_case(s)
    approved.act("merchant", "approve")
    reissue = b.open_case(s, "reissue")
    api = s.merchant_api
    assert ids(api.get("/cases", state="approved")) == {approved.id}
    assert ids(api.get("/cases", type="reissue")) == {reissue.id}
    assert ids(api.get("/cases", state="requested", type="return_refund")) == {requested.id}


def test_list_filters_by_buyer():
    s = b.shop()
    one, _ = b.open_case(s), b.open_case(s)
    assert ids(s.merchant_api.get("/cases", buyer=one.buyer)) == {one.id}


def test_list_filters_by_the_time_cases_were_opened():
    s = b.shop()
    with time_machine.travel(T0, tick=False):
        early = b.open_case(s)
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        late = b.open_case(s)
    middle = (T0 + timedelta(days=1)).isoformat()
    assert ids(s.merchant_api.get("/cases", created_from=middle)) == {late.id}
    assert ids(s.merchant_api.get("/cases", created_to=middle)) == {early.id}


def test_list_filters_cases_with_a_missed_deadline():
    s = b.shop()
    with time_machine.travel(T0, tick=False):
        late = b.open_case(s)  # the merchant review runs out after 5 days
    with time_machine.travel(T0 + timedelta(days=6), tick=False):
        on_time = b.open_case(s)
        assert ids(s.merchant_api.get("/cases", overdue="true")) == {late.id}
        assert ids(s.merchant_api.get("/cases", overdue="false")) == {on_time.id}


def test_list_is_cursor_paginated_newest_first_without_repeats():
    s = b.shop()
    opened = []
    for day in range(5):
        with time_machine.travel(T0 + timedelta(hours=day), tick=False):
            opened.append(b.open_case(s).id)
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = s.merchant_api.get("/cases", **params).json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(opened))


def test_list_rejects_an_unknown_type_naming_it():
    c = b.open_case()
    b.assert_problem(c.shop.merchant_api.get("/cases", type="teleport"), 422, "type")
