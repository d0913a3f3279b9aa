"""Quality paths (Q-01, Q-04, 3B-01..03), refund only (TB-01/02, PDD-01), reissue, price
protection (JD-04), quantities and the reason/type fit."""

from decimal import Decimal

from aftersales.policy.decide import History
from tests.policy.conftest import codes, line, policy, t

PHONE = dict(
    category="electronics",
    warranty_months=12,
    unit_price=Decimal("2999.00"),
    paid_amount=Decimal("2999.00"),
)


# --- a faulty item may go back within 7 days of receipt, the seller paying transport ---


def test_q01_a_quality_return_within_seven_days_is_eligible_and_the_merchant_pays_shipping(ask):
    decision = ask("return_refund", "quality_issue", "2026-03-08 20:00")
    assert decision.eligible
    assert decision.return_shipping_paid_by == "merchant"
    assert decision.required_evidence == ["photos"]


def test_q01_after_seven_days_a_quality_return_is_refused_but_exchange_remains(ask):
    decision = ask("return_refund", "quality_issue", "2026-03-09 00:00")
    assert codes(decision) == ["window_expired"]
    assert decision.reasons[0].source == "Q-01"
    assert decision.allowed_types == ["exchange"]


# --- 3B-01: exchange within 15 days; 3B-02 repair within the warranty -------------------------


def test_3b01_a_quality_exchange_is_open_for_fifteen_days(ask):
    assert ask("exchange", "quality_issue", "2026-03-16 23:59:59").eligible
    decision = ask("exchange", "quality_issue", "2026-03-17 00:00")
    assert codes(decision) == ["window_expired"]
    assert decision.reasons[0].source == "3B-01"


def test_3b02_a_repair_is_eligible_within_the_warranty(ask):
    decision = ask("repair", "quality_issue", "2026-12-01 10:00", on=line(**PHONE))
    assert decision.eligible
    assert decision.window_ends_at == t("2027-03-01 23:59:59")


def test_3b02_a_repair_after_the_warranty_is_refused(ask):
    decision = ask("repair", "quality_issue", "2027-03-02 00:00", on=line(**PHONE))
    assert codes(decision) == ["warranty_expired"]
    assert decision.reasons[0].source == "3B-02"


def test_3b02_the_category_default_warranty_applies_when_the_line_names_none(ask):
    on = line(**{**PHONE, "warranty_months": 0})  # electronics: 12 months by default
    assert ask("repair", "quality_issue", "2026-12-01 10:00", on=on).eligible


def test_3b02_goods_without_a_warranty_cannot_be_repaired_under_policy(ask):
    assert codes(ask("repair", "quality_issue", "2026-03-05 10:00")) == ["type_not_allowed"]


# --- the clock starts at the later of delivery and installation ---------------------------


def test_q04_the_quality_clock_starts_when_installation_is_complete(ask):
    on = line(**PHONE, installed_at=t("2026-03-05 15:00"))
    decision = ask("return_refund", "quality_issue", "2026-03-12 10:00", on=on)
    assert decision.eligible
    assert decision.window_ends_at == t("2026-03-12 23:59:59")


def test_q04_an_exchange_restarts_the_warranty(ask):
    history = History(warranty_restarted_at=t("2027-01-10 10:00"))
    assert ask(
        "repair", "quality_issue", "2027-06-01 10:00", on=line(**PHONE), history=history
    ).eligible


def test_q04_days_in_repair_do_not_count_against_the_warranty(ask):
    history = History(repair_days=20)
    decision = ask("repair", "quality_issue", "2027-03-15 10:00", on=line(**PHONE), history=history)
    assert decision.eligible
    assert decision.window_ends_at == t("2027-03-21 23:59:59")


# --- 3B-03: two failed repairs open exchange and return whatever the window ----------------------


def test_3b03_after_two_failed_repairs_exchange_is_open_past_its_window(ask):
    decision = ask(
        "exchange",
        "quality_issue",
        "2026-09-01 10:00",
        on=line(**PHONE),
        history=History(failed_repairs=2),
    )
    assert decision.eligible


def test_3b04_a_repair_over_thirty_days_opens_exchange_past_its_window(ask):
    decision = ask(
        "exchange",
        "quality_issue",
        "2026-09-01 10:00",
        on=line(**PHONE),
        history=History(longest_repair_days=31),
        explain=True,
    )
    assert decision.eligible
    assert "3B-04" in {step["source"] for step in decision.trace}


def test_3b04_a_thirty_day_repair_is_within_the_limit(ask):
    assert not ask(
        "exchange",
        "quality_issue",
        "2026-09-01 10:00",
        on=line(**PHONE),
        history=History(longest_repair_days=30),
    ).eligible


def test_3b03_one_failed_repair_is_not_enough(ask):
    assert not ask(
        "exchange",
        "quality_issue",
        "2026-09-01 10:00",
        on=line(**PHONE),
        history=History(failed_repairs=1),
    ).eligible


# --- Refund only: TB-01 before shipment, TB-02 in transit, PDD-01 after delivery -----------------


def test_tb01_refund_only_before_shipment_is_approved_automatically(ask):
    on = line(shipped_at=None, signed_at=None)
    decision = ask("refund_only", "no_reason", "2026-02-27 22:00", on=on)
    assert decision.eligible
    assert decision.approval == "automatic"
    assert decision.return_shipping_paid_by == "none"


def test_tb02_refund_only_in_transit_is_the_merchants_call_to_intercept(ask):
    on = line(signed_at=None)
    decision = ask("refund_only", "no_reason", "2026-02-28 18:00", on=on)
    assert decision.eligible
    assert decision.approval == "merchant"


def test_pdd01_refund_without_return_after_delivery_is_not_offered_by_default(ask):
    decision = ask("refund_only", "no_reason", "2026-03-03 10:00")
    assert codes(decision) == ["type_not_allowed"]
    assert decision.reasons[0].source == "PDD-01"
    assert "return_refund" in decision.allowed_types


def test_pdd01_spoiled_fresh_goods_are_refunded_without_a_return(ask):
    on = line(category="fresh", fresh_perishable=True)
    assert ask("refund_only", "quality_issue", "2026-03-02 10:00", on=on).eligible


def test_a_signed_parcel_the_buyer_did_not_receive_is_for_the_merchant_to_prove(ask):
    decision = ask("refund_only", "not_received", "2026-03-03 10:00")
    assert decision.eligible
    assert decision.approval == "merchant"


# --- Goods must be delivered before they go back ---------------------------------------------


def test_a_return_before_delivery_is_not_possible_but_refund_only_is(ask):
    decision = ask("return_refund", "no_reason", "2026-02-28 18:00", on=line(signed_at=None))
    assert codes(decision) == ["not_delivered"]
    assert decision.allowed_types == ["refund_only"]


# --- Reissue ---------------------------------------------------------------------------------


def test_missing_parts_are_reissued_within_the_exchange_window(ask):
    assert ask("reissue", "missing_parts", "2026-03-10 10:00").eligible


def test_nothing_shipped_cannot_be_reissued(ask):
    on = line(shipped_at=None, signed_at=None)
    assert codes(ask("reissue", "missing_parts", "2026-02-28 10:00", on=on)) == ["type_not_allowed"]


def test_a_lost_parcel_is_reissued_without_waiting_for_delivery(ask):
    assert ask("reissue", "not_received", "2026-03-10 10:00", on=line(signed_at=None)).eligible


# --- JD-04: price protection -------------------------------------------------------------------


def test_jd04_a_price_drop_within_the_window_refunds_the_difference(ask):
    on = line(quantity=2, unit_price=Decimal("60.00"), paid_amount=Decimal("120.00"))
    decision = ask(
        "price_protection",
        "price_drop",
        "2026-03-05 10:00",
        on=on,
        quantity=2,
        new_unit_price=Decimal("49.90"),
    )
    assert decision.eligible
    assert decision.refundable_amount == Decimal("20.20")
    assert decision.required_evidence == ["price_screenshot"]


def test_jd04_the_window_counts_from_order_submission_for_marketplace_shops(ask):
    decision = ask(
        "price_protection", "price_drop", "2026-03-07 00:00", new_unit_price=Decimal("30.00")
    )
    assert codes(decision) == ["window_expired"]
    assert decision.window_ends_at == t("2026-03-06 23:59:59")
    assert decision.reasons[0].source == "JD-04"


def test_jd04_a_shop_offering_30_days_from_signing_is_judged_by_its_own_rule(ask):
    rules = policy(
        merchants={"m-shop": {"rules": {"price_protection": {"days": 30, "start": "signed"}}}}
    )
    decision = ask(
        "price_protection",
        "price_drop",
        "2026-03-30 10:00",
        rules=rules,
        new_unit_price=Decimal("30.00"),
    )
    assert decision.eligible
    assert decision.reasons == []


def test_jd04_a_price_that_did_not_drop_refunds_nothing(ask):
    decision = ask(
        "price_protection", "price_drop", "2026-03-01 10:00", new_unit_price=Decimal("80.00")
    )
    assert decision.refundable_amount == Decimal("0.00")


# --- Quantities and the fit of reason and type ---------------------------------------------


def test_a_quantity_already_returned_cannot_be_claimed_again(ask):
    on = line(quantity=2, paid_amount=Decimal("80.00"))
    decision = ask(
        "return_refund",
        "no_reason",
        "2026-03-03 10:00",
        on=on,
        quantity=2,
        history=History(claimed_quantity=1),
    )
    assert codes(decision) == ["quantity_exceeded"]


def test_a_price_drop_is_not_a_reason_to_return_goods(ask):
    decision = ask("return_refund", "price_drop", "2026-03-03 10:00")
    assert codes(decision) == ["type_not_allowed"]
    assert decision.allowed_types == ["price_protection"]


def test_explain_traces_every_rule_evaluated(ask):
    decision = ask("return_refund", "no_reason", "2026-03-03 10:00", explain=True)
    rules = [step["rule"] for step in decision.trace]
    assert rules == [
        "reason_fits_type",
        "quantity",
        "delivered",
        "no_reason_window",
        "statutory_exclusions",
        "condition",
    ]
    assert all(step["outcome"] == "pass" for step in decision.trace)


def test_without_explain_there_is_no_trace(ask):
    assert ask("return_refund", "no_reason", "2026-03-03 10:00").trace is None


def test_messages_come_in_chinese_and_english(ask):
    reason = ask("return_refund", "no_reason", "2026-03-10 10:00").reasons[0]
    assert reason.message("zh-hans").startswith("已超过七天无理由退货期限")
    assert reason.message("en").startswith("The 7-day no-reason return window ended")
