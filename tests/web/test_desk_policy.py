"""The desk's policy and calendar pages: who reads, who changes, through which services."""

import json
from datetime import date

import pytest

from aftersales.accounts.models import Role
from aftersales.core.calendar import business_calendar
from aftersales.core.models import AuditEvent, CalendarDay
from aftersales.policy import loading
from aftersales.policy.models import PolicyVersion
from tests import factories
from tests.web.pages import client_for

pytestmark = pytest.mark.django_db


def _desk(role: str = Role.MANAGER, language: str = "en"):
    return client_for(factories.user(role), language)


def _publish_second_version() -> PolicyVersion:
    from aftersales.accounts.actors import SYSTEM_ACTOR
    from aftersales.policy.services import publish_policy

    document = json.loads(json.dumps(loading.current().document))
    document["rules"]["quality_return"]["days"] = 10
    return publish_policy(actor=SYSTEM_ACTOR, document=document, note="longer quality returns")


def test_policy_page_lists_versions_and_the_diff_to_the_previous():
    second = _publish_second_version()
    html = _desk(Role.SPECIALIST).get("/desk/policy/").content.decode()
    assert second.label in html
    assert f"{second.name}@{second.number - 1}" in html
    assert "rules.quality_return.days" in html
    assert "longer quality returns" in html


def test_specialist_reads_the_policy_but_has_no_draft_to_publish():
    html = _desk(Role.SPECIALIST).get("/desk/policy/").content.decode()
    assert 'id="rules-summary"' in html
    assert 'id="draft"' not in html


def test_agent_may_not_open_the_policy_or_calendar_pages():
    client = _desk(Role.AGENT)
    assert client.get("/desk/policy/").status_code == 403
    assert client.get("/desk/calendar/").status_code == 403


def test_manager_publishes_the_draft_through_the_policy_service():
    before = loading.current().label
    document = json.loads(json.dumps(loading.current().document))
    document["rules"]["quality_exchange"]["days"] = 20
    response = _desk().post(
        "/desk/policy/draft/",
        {"name": "cn-default", "document": json.dumps(document), "publish": "1", "note": "n"},
    )
    assert response.status_code == 302
    loading.forget_latest()
    assert loading.current().label != before
    assert loading.current().document["rules"]["quality_exchange"]["days"] == 20
    assert AuditEvent.objects.filter(action="policy.published").exists()


def test_a_draft_below_the_law_is_refused_inline_and_nothing_is_published():
    before = loading.current().label
    document = json.loads(json.dumps(loading.current().document))
    document["merchants"]["x-shop"] = {"rules": {"no_reason_window": {"days": 3}}}
    response = _desk().post(
        "/desk/policy/draft/",
        {"name": "cn-default", "document": json.dumps(document), "publish": "1"},
    )
    assert response.status_code == 422
    assert "merchants.x-shop.rules.no_reason_window.days" in response.content.decode()
    loading.forget_latest()
    assert loading.current().label == before


def test_specialist_may_not_publish():
    response = _desk(Role.SPECIALIST).post(
        "/desk/policy/draft/", {"name": "cn-default", "document": "{}", "publish": "1"}
    )
    assert response.status_code == 403


def test_calendar_page_lists_the_years_holidays_and_adjusted_workdays():
    year = CalendarDay.objects.order_by("-date").values_list("date", flat=True).first().year
    html = _desk(Role.SPECIALIST).get(f"/desk/calendar/?year={year}").content.decode()
    assert 'class="day-holiday"' in html
    assert 'class="day-adjusted_workday"' in html
    assert 'id="calendar-edit"' not in html


def test_manager_corrects_a_day_and_the_cached_calendar_follows():
    year = CalendarDay.objects.order_by("-date").values_list("date", flat=True).first().year
    day = date(year, 3, 11) if date(year, 3, 11).weekday() < 5 else date(year, 3, 12)
    assert business_calendar().is_workday(day)
    response = _desk().post(
        "/desk/calendar/day/", {"date": day.isoformat(), "kind": "holiday", "name": "测试"}
    )
    assert response.status_code == 302
    assert not business_calendar().is_workday(day)
    assert AuditEvent.objects.filter(action="calendar.day_added").exists()
    _desk().post("/desk/calendar/day/", {"date": day.isoformat(), "kind": "weekday_rule"})
    assert business_calendar().is_workday(day)


def test_a_bad_calendar_day_is_refused_inline_in_the_users_language():
    response = _desk(language="zh-hans").post(
        "/desk/calendar/day/", {"date": "2026-13-40", "kind": "holiday"}
    )
    assert response.status_code == 422
    assert "2026-10-01" in response.content.decode()
