"""七日无理由: NR-02 (the window and its holidays), NR-03..07 (exclusions and condition)."""

from datetime import UTC, datetime
from decimal import Decimal

from tests.policy.conftest import codes, line, policy, t

# --- NR-02: day 1 is the day after 签收; the window ends 24:00 of day 7 ----------------------


def test_nr02_window_ends_at_the_end_of_the_seventh_day_after_signing(ask):
    decision = ask("return_refund", "no_reason", "2026-03-05 12:00")
    assert decision.eligible
    assert decision.window_ends_at == t("2026-03-08 23:59:59")


def test_nr02_a_request_at_235959_on_the_last_day_is_inside(ask):
    assert ask("return_refund", "no_reason", "2026-03-08 23:59:59").eligible


def test_nr02_a_request_at_000000_the_next_day_is_too_late(ask):
    decision = ask("return_refund", "no_reason", "2026-03-09 00:00:00")
    assert codes(decision) == ["window_expired"]
    assert decision.reasons[0].source == "NR-02"


def test_nr02_signing_just_before_midnight_still_starts_the_count_the_next_day(ask):
    on = line(signed_at=t("2026-03-01 23:59:30"))
    assert ask("return_refund", "no_reason", "2026-03-08 23:59:59", on=on).eligible
    assert not ask("return_refund", "no_reason", "2026-03-09 00:00:00", on=on).eligible


def test_nr02_days_are_counted_in_shanghai_not_utc(ask):
    # 16:30 UTC on 1 March is 00:30 on 2 March in Shanghai: day 1 is 3 March.
    on = line(signed_at=datetime(2026, 3, 1, 16, 30, tzinfo=UTC))
    assert ask("return_refund", "no_reason", "2026-03-09 12:00", on=on).eligible


def test_nr02_a_last_day_in_national_day_moves_past_the_holiday_block(ask):
    on = line(signed_at=t("2026-09-27 10:00"))  # day 7 is 4 October, inside 1-7 October
    decision = ask("return_refund", "no_reason", "2026-10-08 20:00", on=on)
    assert decision.eligible
    assert decision.window_ends_at == t("2026-10-08 23:59:59")


def test_nr02_a_last_day_in_spring_festival_2026_moves_past_it(ask):
    on = line(signed_at=t("2026-02-10 10:00"))  # day 7 is 17 February, inside 15-23 February
    assert ask("return_refund", "no_reason", "2026-02-24 23:00", on=on).window_ends_at == t(
        "2026-02-24 23:59:59"
    )


def test_nr02_a_last_day_in_national_day_2025_moves_past_it(ask):
    on = line(
        signed_at=t("2025-09-24 10:00"),
        placed_at=t("2025-09-20 10:00"),
        paid_at=t("2025-09-20 10:01"),
        shipped_at=t("2025-09-22 10:00"),
    )
    decision = ask("return_refund", "no_reason", "2025-10-09 12:00", on=on)
    assert decision.window_ends_at == t("2025-10-09 23:59:59")


def test_nr02_an_ordinary_sunday_does_not_extend_the_window(ask):
    on = line(signed_at=t("2026-11-15 10:00"))  # day 7 is Sunday 22 November
    decision = ask("return_refund", "no_reason", "2026-11-23 09:00", on=on)
    assert codes(decision) == ["window_expired"]
    assert decision.window_ends_at == t("2026-11-22 23:59:59")


def test_nr02_all_rest_days_mode_also_moves_past_weekends(ask):
    generous = policy(
        merchants={
            "m-shop": {"rules": {"no_reason_window": {"holiday_extension": "all_rest_days"}}}
        }
    )
    on = line(signed_at=t("2026-11-15 10:00"))
    decision = ask("return_refund", "no_reason", "2026-11-23 09:00", on=on, rules=generous)
    assert decision.eligible
    assert decision.reasons == []


def test_nr02_a_merchant_may_give_a_longer_window(ask):
    fifteen = policy(merchants={"m-shop": {"rules": {"no_reason_window": {"days": 15}}}})
    assert ask("return_refund", "no_reason", "2026-03-16 12:00", rules=fifteen).eligible
    assert not ask("return_refund", "no_reason", "2026-03-16 12:00").eligible


def test_nr02_a_window_ending_in_an_unknown_year_fails_closed(ask):
    on = line(signed_at=t("2026-12-28 10:00"))  # day 7 is 4 January 2027
    decision = ask("return_refund", "no_reason", "2026-12-30 10:00", on=on)
    assert codes(decision) == ["calendar_unknown"]
    assert not decision.eligible


def test_nr02_the_expired_no_reason_window_still_shows_the_quality_remedies(ask):
    decision = ask("return_refund", "no_reason", "2026-03-09 10:00")
    assert decision.allowed_types == ["exchange"]  # a defect can still be exchanged (3B-01)


# --- NR-03: statutory exclusions, no confirmation needed -------------------------------------


def test_nr03_customised_goods_are_excluded(ask):
    decision = ask("return_refund", "no_reason", "2026-03-03 10:00", on=line(customized=True))
    assert codes(decision) == ["customized"]
    assert decision.reasons[0].source == "NR-03"


def test_nr03_fresh_perishable_goods_are_excluded(ask):
    on = line(category="fresh", fresh_perishable=True)
    assert codes(ask("return_refund", "no_reason", "2026-03-03 10:00", on=on)) == [
        "fresh_perishable"
    ]


def test_nr03_opened_digital_goods_are_excluded(ask):
    on = line(category="digital", digital=True)
    decision = ask("return_refund", "no_reason", "2026-03-03 10:00", on=on, condition="seal_broken")
    assert "digital_opened_or_downloaded" in codes(decision)


def test_nr03_sealed_digital_goods_may_go_back(ask):
    on = line(category="digital", digital=True)
    assert ask("return_refund", "no_reason", "2026-03-03 10:00", on=on).eligible


def test_nr03_delivered_periodicals_are_excluded(ask):
    on = line(category="books", periodical=True)
    assert codes(ask("return_refund", "no_reason", "2026-03-03 10:00", on=on)) == [
        "newspaper_periodical"
    ]


def test_nr03_exclusions_do_not_stop_a_quality_claim(ask):
    decision = ask("return_refund", "quality_issue", "2026-03-03 10:00", on=line(customized=True))
    assert decision.eligible
    assert decision.return_shipping_paid_by == "merchant"


def test_nr03_a_merchant_may_waive_an_exclusion(ask):
    waived = policy(
        merchants={
            "m-shop": {
                "rules": {
                    "statutory_exclusions": {
                        "kinds": [
                            "fresh_perishable",
                            "digital_opened_or_downloaded",
                            "newspaper_periodical",
                        ]
                    }
                }
            }
        }
    )
    on = line(customized=True)
    assert ask("return_refund", "no_reason", "2026-03-03 10:00", on=on, rules=waived).eligible


# --- NR-04/05: exclusions that hold only with a confirmation at purchase ----------------------


def test_nr04_a_hygiene_seal_confirmed_at_purchase_excludes_a_broken_seal(ask):
    on = line(category="cosmetics", confirmed_exclusions=(("hygiene_seal", t("2026-02-27 20:15")),))
    decision = ask("return_refund", "no_reason", "2026-03-03 10:00", on=on, condition="seal_broken")
    assert "confirmed_exclusion" in codes(decision)
    assert decision.reasons[0].source == "NR-04"


def test_nr04_a_confirmed_hygiene_seal_still_allows_an_unopened_return(ask):
    on = line(category="cosmetics", confirmed_exclusions=(("hygiene_seal", t("2026-02-27 20:15")),))
    assert ask("return_refund", "no_reason", "2026-03-03 10:00", on=on).eligible


def test_nr04_near_expiry_disclosed_at_sale_excludes_whatever_the_condition(ask):
    on = line(confirmed_exclusions=(("near_expiry_or_flawed", t("2026-02-27 20:10")),))
    assert codes(ask("return_refund", "no_reason", "2026-03-03 10:00", on=on)) == [
        "confirmed_exclusion"
    ]


def test_nr05_without_a_confirmation_the_return_must_be_accepted(ask):
    on = line(category="cosmetics")
    decision = ask("return_refund", "no_reason", "2026-03-03 10:00", on=on, condition="used")
    assert "confirmed_exclusion" not in codes(decision)


def test_nr05_a_confirmation_recorded_after_payment_does_not_count(ask):
    on = line(confirmed_exclusions=(("near_expiry_or_flawed", t("2026-02-28 09:00")),))
    assert ask("return_refund", "no_reason", "2026-03-03 10:00", on=on).eligible


# --- NR-06/07: 完好 --------------------------------------------------------------------------


def test_nr06_opening_to_inspect_keeps_the_goods_intact(ask):
    on = line(category="electronics")
    assert ask(
        "return_refund", "no_reason", "2026-03-03 10:00", on=on, condition="opened_intact"
    ).eligible


def test_nr07_clothing_with_its_tag_cut_is_not_intact(ask):
    decision = ask("return_refund", "no_reason", "2026-03-03 10:00", condition="tags_removed")
    assert codes(decision) == ["not_intact"]
    assert decision.reasons[0].source == "NR-07"


def test_nr07_cosmetics_with_a_broken_seal_are_not_intact(ask):
    on = line(category="cosmetics")
    assert codes(
        ask("return_refund", "no_reason", "2026-03-03 10:00", on=on, condition="seal_broken")
    ) == ["not_intact"]


def test_nr07_electronics_without_tags_are_still_intact(ask):
    on = line(category="electronics")
    assert ask(
        "return_refund", "no_reason", "2026-03-03 10:00", on=on, condition="tags_removed"
    ).eligible


def test_nr07_used_goods_are_not_intact_for_a_no_reason_exchange_either(ask):
    assert codes(ask("exchange", "no_reason", "2026-03-03 10:00", condition="used")) == [
        "not_intact"
    ]


# --- NR-10/11/12: who pays the return, gifts, amounts ----------------------------------------


def test_nr10_the_buyer_pays_a_no_reason_return(ask):
    assert ask("return_refund", "no_reason", "2026-03-03 10:00").return_shipping_paid_by == "buyer"


def test_nr10_freight_insurance_pays_the_buyers_return(ask):
    decision = ask(
        "return_refund", "no_reason", "2026-03-03 10:00", on=line(freight_insurance=True)
    )
    assert decision.return_shipping_paid_by == "freight_insurance"


def test_nr11_a_gift_kept_is_charged_at_its_marked_price(ask):
    on = line(gifts_marked_price=Decimal("5.00"))
    kept = ask("return_refund", "no_reason", "2026-03-03 10:00", on=on, gifts_kept=True)
    returned = ask("return_refund", "no_reason", "2026-03-03 10:00", on=on)
    assert (kept.refundable_amount, returned.refundable_amount) == (
        Decimal("35.00"),
        Decimal("40.00"),
    )


def test_nr12_part_of_a_line_refunds_its_share_of_what_was_paid(ask):
    on = line(quantity=3, paid_amount=Decimal("100.00"))
    assert ask(
        "return_refund", "no_reason", "2026-03-03 10:00", on=on, quantity=1
    ).refundable_amount == Decimal("33.33")


def test_nr12_the_last_units_take_what_is_left_so_the_fen_add_up(ask):
    from aftersales.policy.decide import History

    on = line(quantity=3, paid_amount=Decimal("100.00"))
    decision = ask(
        "return_refund",
        "no_reason",
        "2026-03-03 10:00",
        on=on,
        quantity=2,
        history=History(claimed_quantity=1, refunded_amount=Decimal("33.33")),
    )
    assert decision.refundable_amount == Decimal("66.67")
