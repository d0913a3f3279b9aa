"""core.calendar: the arithmetic, on a calendar built straight from chinese-calendar (no
database; test_calendar_data covers storage, import and the cache)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.core.calendar import BusinessCalendar, CalendarUnknown, Extension
from aftersales.core.calendar_data import calendar_from_library
from aftersales.core.errors import DomainError, InvalidInput

SH = ZoneInfo("Asia/Shanghai")
CAL = calendar_from_library()
EVIDENCE = {"workdays_only": False}  # DS-06: 09:00–18:00 on every calendar day


def at(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def rest_days(first: date, last: date) -> list[date]:
    return [d for d in days(first, last) if CAL.is_rest_day(d)]


# --- 2026 (CAL-03) ----------------------------------------------------------------------------


def test_2026_new_year_rests_1_to_3_january_and_sunday_4th_is_worked():
    assert rest_days(date(2025, 12, 31), date(2026, 1, 5)) == days(
        date(2026, 1, 1), date(2026, 1, 3)
    )
    assert CAL.is_workday(date(2026, 1, 4))  # a Sunday


def test_2026_spring_festival_rests_15_to_23_february():
    assert rest_days(date(2026, 2, 13), date(2026, 2, 27)) == days(
        date(2026, 2, 15), date(2026, 2, 23)
    )
    assert all(CAL.is_statutory_rest(d) for d in days(date(2026, 2, 15), date(2026, 2, 23)))


def test_2026_spring_festival_saturdays_14th_and_28th_are_worked():
    assert CAL.is_workday(date(2026, 2, 14)) and CAL.is_workday(date(2026, 2, 28))
    assert CAL.is_adjusted_workday(date(2026, 2, 14))
    assert CAL.holiday_name(date(2026, 2, 28)) == "春节"


def test_2026_national_day_rests_1_to_7_october():
    assert rest_days(date(2026, 9, 28), date(2026, 10, 9)) == days(
        date(2026, 10, 1), date(2026, 10, 7)
    )


def test_2026_national_day_sunday_20_september_and_saturday_10_october_are_worked():
    assert CAL.is_workday(date(2026, 9, 20)) and CAL.is_workday(date(2026, 10, 10))


@pytest.mark.parametrize(
    ("first", "last", "worked"),
    [
        (date(2026, 4, 4), date(2026, 4, 6), None),  # 清明
        (date(2026, 5, 1), date(2026, 5, 5), date(2026, 5, 9)),  # 劳动节
        (date(2026, 6, 19), date(2026, 6, 21), None),  # 端午
        (date(2026, 9, 25), date(2026, 9, 27), None),  # 中秋
    ],
)
def test_2026_other_holidays_rest_as_published(first, last, worked):
    assert all(CAL.is_statutory_rest(d) for d in days(first, last))
    assert not CAL.is_statutory_rest(first - timedelta(days=1))
    assert not CAL.is_statutory_rest(last + timedelta(days=1))
    if worked:
        assert CAL.is_workday(worked) and worked.weekday() == 5


# --- 2025 (checked against chinese-calendar 1.11.0) -------------------------------------------


def test_2025_spring_festival_rests_28_january_to_4_february():
    assert rest_days(date(2025, 1, 26), date(2025, 2, 8)) == days(
        date(2025, 1, 28), date(2025, 2, 4)
    )


def test_2025_spring_festival_sunday_26_january_and_saturday_8_february_are_worked():
    assert CAL.is_workday(date(2025, 1, 26)) and CAL.is_workday(date(2025, 2, 8))


def test_2025_national_day_rests_1_to_8_october_with_28_september_and_11_october_worked():
    assert rest_days(date(2025, 9, 28), date(2025, 10, 11)) == days(
        date(2025, 10, 1), date(2025, 10, 8)
    )
    assert CAL.is_workday(date(2025, 9, 28)) and CAL.is_workday(date(2025, 10, 11))


# --- single days ------------------------------------------------------------------------------


def test_an_ordinary_sunday_is_a_rest_day_but_not_statutory_rest():
    sunday = date(2026, 3, 8)
    assert CAL.is_rest_day(sunday) and not CAL.is_statutory_rest(sunday)


def test_in_lieu_rest_days_are_statutory_rest_and_marked():
    assert CAL.is_in_lieu(date(2026, 10, 7)) and CAL.is_statutory_rest(date(2026, 10, 7))
    assert not CAL.is_in_lieu(date(2026, 10, 1))


def test_a_datetime_is_read_on_its_local_date():
    # 2026-09-30 17:00 UTC is 1 October 01:00 in Shanghai: 国庆.
    assert CAL.is_statutory_rest(datetime(2026, 9, 30, 17, tzinfo=ZoneInfo("UTC")))


def test_a_naive_datetime_is_refused():
    with pytest.raises(InvalidInput):
        CAL.is_workday(datetime(2026, 3, 9, 10))


def test_the_calendar_cannot_be_changed_in_place():
    with pytest.raises(AttributeError):
        CAL.region = "US"


# --- working days -----------------------------------------------------------------------------


def test_one_working_day_after_friday_is_monday():
    assert CAL.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)


def test_working_days_skip_the_national_day_block_and_count_the_adjusted_saturday():
    # Wed 30 Sep + 1 → Thu 8 Oct; + 3 → Sat 10 Oct (调休上班).
    assert CAL.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert CAL.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)


def test_complaint_acceptance_seven_working_days_over_spring_festival():
    # CP-01: received Thu 12 Feb 2026 → 7 工作日: 13, 14 (Sat worked), 24, 25, 26, 27, 28 (Sat).
    assert CAL.add_working_days(date(2026, 2, 12), 7) == date(2026, 2, 28)


def test_adding_zero_working_days_is_the_same_day_and_negative_counts_back():
    assert CAL.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 7)
    assert CAL.add_working_days(date(2026, 3, 9), -1) == date(2026, 3, 6)
    assert CAL.add_working_days(date(2026, 10, 8), -1) == date(2026, 9, 30)


def test_working_days_between_counts_after_the_first_up_to_the_last():
    assert CAL.working_days_between(date(2026, 3, 6), date(2026, 3, 9)) == 1
    assert CAL.working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert CAL.working_days_between(date(2026, 3, 9), date(2026, 3, 6)) == -1


# --- working hours ----------------------------------------------------------------------------


def test_friday_1700_plus_2_working_hours_is_monday_1000():
    assert CAL.add_working_hours(at(2026, 3, 6, 17), 2) == at(2026, 3, 9, 10)


def test_working_hours_skip_a_holiday_week():
    assert CAL.add_working_hours(at(2026, 9, 30, 17), 2) == at(2026, 10, 8, 10)


def test_working_hours_count_a_tiaoxiu_saturday():
    # Fri 9 Oct 17:00 + 2 h: Saturday 10 Oct is worked (调休), so 10:00 that Saturday.
    assert CAL.add_working_hours(at(2026, 10, 9, 17), 2) == at(2026, 10, 10, 10)


def test_working_hours_that_end_at_closing_time_end_that_day():
    assert CAL.add_working_hours(at(2026, 3, 6, 17), 1) == at(2026, 3, 6, 18)


def test_working_hours_started_outside_the_window_begin_at_the_next_opening():
    assert CAL.add_working_hours(at(2026, 3, 9, 7), 1) == at(2026, 3, 9, 10)
    assert CAL.add_working_hours(at(2026, 3, 7, 11), 1) == at(2026, 3, 9, 10)  # Saturday
    assert CAL.add_working_hours(at(2026, 3, 9, 20), 0.5) == at(2026, 3, 10, 9, 30)


def test_working_hours_take_a_custom_window_and_return_local_time():
    start = datetime(2026, 3, 6, 9, 0, tzinfo=ZoneInfo("UTC"))  # 17:00 in Shanghai
    end = CAL.add_working_hours(start, timedelta(hours=3), window=(time(8, 30), time(17, 30)))
    assert end == at(2026, 3, 9, 11) and end.utcoffset() == timedelta(hours=8)


def test_evidence_window_14_01_plus_4_hours_is_09_01_next_day():
    # DS-06: four hours counted 09:00–18:00 on every calendar day.
    assert CAL.add_working_hours(at(2026, 3, 5, 14, 1), 4, **EVIDENCE) == at(2026, 3, 6, 9, 1)


def test_evidence_window_counts_holidays_and_weekends():
    assert CAL.add_working_hours(at(2026, 10, 1, 14, 1), 4, **EVIDENCE) == at(2026, 10, 2, 9, 1)
    assert CAL.add_working_hours(at(2026, 3, 7, 14, 1), 4, **EVIDENCE) == at(2026, 3, 8, 9, 1)


def test_evidence_window_needs_no_known_year():
    assert CAL.add_working_hours(at(2027, 1, 1, 14, 1), 4, **EVIDENCE) == at(2027, 1, 2, 9, 1)


def test_working_time_between_leaves_out_a_weekend():
    assert CAL.working_time_between(at(2026, 3, 6, 16), at(2026, 3, 9, 11)) == timedelta(hours=4)


def test_working_time_between_leaves_out_a_holiday_but_evidence_time_does_not():
    a, b = at(2026, 9, 30, 17), at(2026, 10, 8, 10)
    assert CAL.working_time_between(a, b) == timedelta(hours=2)
    assert CAL.working_time_between(a, b, **EVIDENCE) == timedelta(hours=2 + 7 * 9)


def test_working_time_between_backwards_is_negative():
    a, b = at(2026, 3, 6, 16), at(2026, 3, 9, 11)
    assert CAL.working_time_between(b, a) == -timedelta(hours=4)


def test_a_window_must_open_before_it_closes():
    with pytest.raises(ValueError, match="start before it ends"):
        CAL.add_working_hours(at(2026, 3, 9, 9), 1, window=(time(18), time(9)))


# --- NR-02: the last day on a holiday (ambiguity 2) -------------------------------------------


def seven_day_window_last_day(signed_for: date) -> date:
    return signed_for + timedelta(days=7)  # ambiguity 1: day 1 is the day after 签收


def test_seven_day_window_ending_in_national_day_moves_past_the_block():
    last = seven_day_window_last_day(date(2026, 9, 26))  # → Sat 3 Oct
    assert CAL.extend_past_rest(last) == date(2026, 10, 8)
    assert CAL.extend_past_rest(last, mode=Extension.STATUTORY_ONLY) == date(2026, 10, 8)


def test_a_last_day_on_an_in_lieu_rest_day_moves_past_the_block():
    assert CAL.extend_past_rest(date(2026, 10, 7)) == date(2026, 10, 8)


def test_a_last_day_on_an_ordinary_sunday_does_not_move_by_default():
    last = seven_day_window_last_day(date(2026, 3, 1))  # → Sun 8 March
    assert CAL.extend_past_rest(last) == date(2026, 3, 8)


def test_all_rest_days_mode_also_moves_past_an_ordinary_weekend():
    assert CAL.extend_past_rest(date(2026, 3, 7), mode="all_rest_days") == date(2026, 3, 9)
    assert CAL.extend_past_rest(date(2026, 10, 3), mode="all_rest_days") == date(2026, 10, 8)


def test_off_mode_never_moves_the_last_day():
    assert CAL.extend_past_rest(date(2026, 10, 3), mode="off") == date(2026, 10, 3)


def test_a_last_day_on_a_tiaoxiu_working_saturday_never_moves():
    for mode in Extension:
        assert CAL.extend_past_rest(date(2026, 10, 10), mode=mode) == date(2026, 10, 10)


def test_an_unknown_extension_mode_is_refused():
    with pytest.raises(ValueError, match="unknown extension mode"):
        CAL.extend_past_rest(date(2026, 10, 3), mode="weekends")


# --- fail closed (ambiguity 8) ----------------------------------------------------------------


def test_2027_is_unknown_and_refuses_rather_than_counting_monday_to_friday():
    with pytest.raises(CalendarUnknown) as caught:
        CAL.is_workday(date(2027, 3, 1))
    err = caught.value
    assert isinstance(err, DomainError)
    assert (err.status, err.slug, err.year) == (422, "calendar-unknown", 2027)
    assert "2027" in err.detail and "aftersales calendar import" in err.detail


def test_calendar_unknown_survives_pickling():
    import pickle

    err = pickle.loads(pickle.dumps(CalendarUnknown(2027, "CN")))  # noqa: S301 (our own bytes)
    assert (err.year, err.region, err.slug) == (2027, "CN", "calendar-unknown")


def test_calendar_unknown_is_a_422_problem_naming_the_year():
    import json

    from aftersales.core.problems import from_domain_error

    response = from_domain_error(CalendarUnknown(2027))
    body = json.loads(response.content)
    assert response.status_code == 422
    assert (body["type"], body["year"], body["region"]) == (
        "/problems/calendar-unknown",
        2027,
        "CN",
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.add_working_days(date(2026, 12, 30), 5),
        lambda: CAL.working_days_between(date(2026, 12, 1), date(2027, 1, 5)),
        lambda: CAL.add_working_hours(at(2026, 12, 31, 17), 10),
        lambda: CAL.working_time_between(at(2026, 12, 31, 17), at(2027, 1, 4, 10)),
        lambda: CAL.extend_past_rest(date(2027, 1, 1)),
        lambda: CAL.extend_past_rest(date(2027, 1, 2), mode="all_rest_days"),
    ],
)
def test_arithmetic_that_reaches_into_2027_refuses(call):
    with pytest.raises(CalendarUnknown, match="2027"):
        call()


def test_extending_past_a_block_into_an_unknown_year_refuses():
    cal = BusinessCalendar(
        region="CN", holidays={date(2026, 12, 31)}, adjusted_workdays=(), known_years={2026}
    )
    with pytest.raises(CalendarUnknown, match="2027"):
        cal.extend_past_rest(date(2026, 12, 31))


def test_arithmetic_may_not_jump_a_gap_between_known_years():
    cal = BusinessCalendar(region="CN", holidays=(), adjusted_workdays=(), known_years={2025, 2027})
    with pytest.raises(CalendarUnknown, match="2026"):
        cal.add_working_days(date(2025, 12, 31), 3)
    with pytest.raises(CalendarUnknown, match="2026"):
        cal.working_days_between(date(2025, 12, 1), date(2027, 1, 5))


def test_a_calendar_without_years_knows_nothing():
    cal = BusinessCalendar(region="XX", holidays=(), adjusted_workdays=(), known_years=())
    with pytest.raises(CalendarUnknown):
        cal.add_working_days(date(2026, 3, 9), 1)


# --- properties -------------------------------------------------------------------------------

known_dates = st.dates(min_value=date(2004, 1, 1), max_value=date(2025, 12, 31))
day_counts = st.integers(min_value=0, max_value=120)
windows = st.sampled_from([(time(9), time(18)), (time(8, 30), time(17, 45)), (time(0), time(23))])
starts = st.datetimes(
    min_value=datetime(2004, 1, 1), max_value=datetime(2025, 12, 31, 23, 59), timezones=st.just(SH)
)
durations = st.integers(min_value=0, max_value=400 * 60).map(lambda m: timedelta(minutes=m))


@given(known_dates, st.integers(min_value=1, max_value=240))
def test_adding_working_days_always_lands_on_a_workday(d, n):
    assert CAL.is_workday(CAL.add_working_days(d, n))


@given(known_dates, day_counts, day_counts)
def test_adding_working_days_composes(d, a, b):
    assert CAL.add_working_days(CAL.add_working_days(d, a), b) == CAL.add_working_days(d, a + b)


@given(known_dates, st.integers(min_value=0, max_value=240))
def test_working_days_between_undoes_adding_them(d, n):
    assert CAL.working_days_between(d, CAL.add_working_days(d, n)) == n


@settings(max_examples=300)
@given(starts, durations, windows, st.booleans())
def test_working_time_between_undoes_adding_working_hours(start, h, window, workdays_only):
    end = CAL.add_working_hours(start, h, window=window, workdays_only=workdays_only)
    assert end >= start
    assert CAL.working_time_between(start, end, window=window, workdays_only=workdays_only) == h
