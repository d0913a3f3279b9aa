"""Each signal against its honest look-alike (RISK-SIGNALS.md, the FP-risk column): the pattern
fires, the honest buyer who resembles it does not."""

from __future__ import annotations

import pytest

from aftersales.risk.document import BUILTIN
from aftersales.risk.scoring import score
from aftersales.risk.signals import INSPECT, OPEN, RETURN_SCAN
from tests.risk.inputs import honest


def fired(inputs, trigger=OPEN, policy=BUILTIN) -> list[str]:
    return score(inputs, policy, trigger=trigger).codes


def test_an_honest_buyer_fires_nothing():
    result = score(honest(), BUILTIN, trigger=OPEN)
    assert (result.codes, result.level, result.needs_review) == ([], "allow", False)


# RS-01: return rate — look-alike: the apparel buyer who returns for size now and then.
def test_return_rate_three_times_the_category_baseline_warns():
    result = score(honest(returns_180d_category=8, lines_180d_category=10), BUILTIN, trigger=OPEN)
    assert result.codes == ["RS-01"]
    assert result.level == "allow"  # 15 points: below the warn cut-off, and warn at most


def test_a_sizing_returner_within_three_times_the_baseline_is_not_flagged():
    assert fired(honest(returns_180d_category=6, lines_180d_category=12)) == []  # 0.5 < 0.75


def test_return_rate_needs_five_returns_before_it_speaks():
    assert fired(honest(returns_180d_category=4, lines_180d_category=4)) == []


def test_return_rate_alone_never_goes_past_warn_however_many_points_a_shop_gives_it():
    doc = {**BUILTIN.document, "signals": {**BUILTIN.document["signals"], "RS-01": {
        **BUILTIN.document["signals"]["RS-01"], "points": 90}}}  # fmt: skip
    from aftersales.risk.document import RiskPolicy

    result = score(honest(returns_180d_category=9, lines_180d_category=10), RiskPolicy("t@1", doc),
                   trigger=OPEN)  # fmt: skip
    assert result.level == "warn"


def test_returns_spread_over_categories_fire_against_their_baselines_together():
    # 3 apparel of 4 and 3 electronics of 4: five in neither category, 6 against 1.24 expected.
    spread = honest(returns_180d_category=3, lines_180d_category=4, returns_180d=6,
                    lines_180d=8, expected_returns_180d=4 * 0.25 + 4 * 0.06)  # fmt: skip
    result = score(spread, BUILTIN, trigger=OPEN)
    assert result.codes == ["RS-01"] and result.reasons[0].detail["across"] is True


def test_a_buyer_returning_at_their_categories_usual_rates_is_not_flagged_across_them():
    # 14 apparel lines and 6 electronics, 5 returned: 5 against 3.86 expected (1.3×).
    usual = honest(returns_180d_category=4, lines_180d_category=14, returns_180d=5,
                   lines_180d=20, expected_returns_180d=14 * 0.25 + 6 * 0.06)  # fmt: skip
    assert fired(usual) == []


# RS-02: value ratio — look-alike: one big defect refunded.
def test_value_ratio_above_sixty_percent_and_two_thousand_fires():
    assert "RS-02" in fired(honest(bought_180d=3000.0, refunded_180d=1500.0, claim_amount=500.0))


def test_one_big_defect_below_two_thousand_does_not():
    assert "RS-02" not in fired(honest(bought_180d=1500.0, refunded_180d=0.0, claim_amount=1400.0))


def test_one_big_defect_above_two_thousand_is_judged_on_the_history_before_it():
    # A ¥2,500 phone claimed faulty, nothing refunded before: the claim alone is no value ratio.
    defect = honest(bought_180d=3000.0, refunded_180d=0.0, claim_amount=2500.0,
                    reason="quality_issue", claim_is_quality=True,
                    claim_counted_in_value_ratio=False)  # fmt: skip
    assert "RS-02" not in fired(defect)


def test_a_second_big_defect_on_top_of_most_of_the_money_back_fires():
    again = honest(bought_180d=5000.0, refunded_180d=3100.0, claim_amount=1500.0,
                   reason="quality_issue", claim_is_quality=True,
                   claim_counted_in_value_ratio=False)  # fmt: skip
    result = score(again, BUILTIN, trigger=OPEN)
    assert "RS-02" in result.codes
    assert next(r for r in result.reasons if r.code == "RS-02").detail["claim_not_counted"] == 1500


def test_a_no_reason_return_counts_its_own_amount_in_the_value_ratio():
    change_of_mind = honest(bought_180d=3000.0, refunded_180d=0.0, claim_amount=2500.0,
                            claim_counted_in_value_ratio=True)  # fmt: skip
    assert "RS-02" in fired(change_of_mind)


# RS-01 / RS-02 and sizing — look-alike: the buyer who orders a product in several sizes and
# keeps the one that fits (inputs.bracket_returns; RS-05 never blocks).
NO_BRACKETS = {"bracket_returns_180d": 0, "bracket_returns_180d_category": 0,
               "bracket_lines_180d": 0, "bracket_lines_180d_category": 0,
               "bracket_expected_returns_180d": 0.0, "bracket_refunded_180d": 0.0,
               "bracket_freight_claims_180d": 0, "claim_is_bracket_return": False}  # fmt: skip


def bracketing(**overrides):
    return honest(**{**NO_BRACKETS, **overrides})


def test_the_sizes_that_did_not_fit_are_not_counted_as_returns():
    # 6 returns of 8 apparel lines fire; 2 of them sizes sent back from brackets (3 lines):
    # 4 returns left, below five.
    sizes = bracketing(returns_180d_category=6, lines_180d_category=8,
                       bracket_returns_180d_category=2, bracket_lines_180d_category=3,
                       bracket_returns_180d=2, bracket_lines_180d=3)  # fmt: skip
    assert "RS-01" in fired({**sizes, **NO_BRACKETS})
    assert "RS-01" not in fired(sizes)


def test_returns_past_the_sizes_that_did_not_fit_still_fire_and_say_what_was_set_apart():
    serial = bracketing(returns_180d_category=9, lines_180d_category=12,
                        bracket_returns_180d_category=1, bracket_lines_180d_category=2,
                        bracket_returns_180d=1, bracket_lines_180d=2)  # fmt: skip
    (rs01,) = [r for r in score(serial, BUILTIN, trigger=OPEN).reasons if r.code == "RS-01"]
    assert (rs01.detail["returns"], rs01.detail["bought"], rs01.detail["sizing_not_counted"]) == (
        8, 10, 1)  # fmt: skip


def test_across_categories_the_sizes_that_did_not_fit_leave_what_they_were_expected_to():
    spread = bracketing(returns_180d_category=3, lines_180d_category=4, returns_180d=6,
                        lines_180d=8, expected_returns_180d=1.24, bracket_returns_180d=3,
                        bracket_lines_180d=6, bracket_expected_returns_180d=1.0)  # fmt: skip
    assert "RS-01" in fired({**spread, **NO_BRACKETS, "returns_180d": 6})
    assert "RS-01" not in fired(spread)  # 3 returns left: below five


def test_setting_sizing_apart_never_makes_the_return_rate_fire():
    # Without the brackets 5 of 25 lines (0.2): no flag. Set apart, 4 of 5 would be 0.8.
    diluted = bracketing(returns_180d_category=5, lines_180d_category=25,
                         bracket_returns_180d_category=1, bracket_lines_180d_category=20,
                         bracket_returns_180d=1, bracket_lines_180d=20)  # fmt: skip
    assert "RS-01" not in fired(diluted)


def test_the_money_back_for_sizes_that_did_not_fit_is_neither_refunded_nor_bought():
    # ¥2,400 back of ¥3,600 (0.67) — ¥1,800 of it sizes sent back: ¥600 of ¥1,800 kept (0.33).
    sizes = bracketing(bought_180d=3600.0, refunded_180d=2340.0, claim_amount=60.0,
                       bracket_refunded_180d=1800.0)  # fmt: skip
    assert "RS-02" in fired({**sizes, **NO_BRACKETS})
    assert "RS-02" not in fired(sizes)


def test_a_bracket_returns_own_claim_is_set_apart_from_the_value_ratio():
    own = bracketing(bought_180d=3600.0, refunded_180d=1800.0, claim_amount=600.0,
                     bracket_refunded_180d=1200.0, claim_is_bracket_return=True)  # fmt: skip
    assert "RS-02" in fired({**own, "claim_is_bracket_return": False,
                             "bracket_refunded_180d": 0.0})  # fmt: skip
    assert "RS-02" not in fired(own)  # ¥600 of ¥1,800


def test_a_value_ratio_past_the_sizes_that_did_not_fit_still_fires():
    serial = bracketing(bought_180d=6000.0, refunded_180d=4800.0, claim_amount=300.0,
                        bracket_refunded_180d=600.0)  # fmt: skip
    (rs02,) = [r for r in score(serial, BUILTIN, trigger=OPEN).reasons if r.code == "RS-02"]
    assert (rs02.detail["refunded"], rs02.detail["bought"], rs02.detail["sizing_not_counted"]) == (
        4500.0, 5400.0, 600.0)  # fmt: skip


def test_insured_returns_of_the_sizes_that_did_not_fit_are_not_freight_insurance_abuse():
    # 5 of 6 returns claimed (0.83); 3 of them insured sizes sent back: 2 of 3 left, below five.
    sizes = bracketing(returns_180d=6, freight_claims_180d=5, bracket_returns_180d=3,
                       bracket_freight_claims_180d=3)  # fmt: skip
    assert "RS-15" in fired({**sizes, **NO_BRACKETS})
    assert "RS-15" not in fired(sizes)


def test_claims_on_nearly_every_return_past_the_sizes_that_did_not_fit_still_fire():
    claimer = bracketing(returns_180d=9, freight_claims_180d=8, bracket_returns_180d=1,
                         bracket_freight_claims_180d=1)  # fmt: skip
    (rs15,) = [r for r in score(claimer, BUILTIN, trigger=OPEN).reasons if r.code == "RS-15"]
    assert (rs15.detail["claims"], rs15.detail["returns"]) == (7, 8)


def test_a_reviewer_reads_what_was_set_apart_as_sizing():
    from django.utils import translation

    from aftersales.risk.signals import BY_CODE

    with translation.override("en"):
        text = BY_CODE["RS-01"].explained({"returns": 8, "bought": 10, "rate": 0.8,
                                           "baseline": 0.25, "sizing_not_counted": 1})  # fmt: skip
    assert text.endswith("not counted: 1 returns of the sizes that did not fit, one size of the "
                         "product kept")  # fmt: skip


# RS-03: cluster velocity — look-alikes: one account's week of returns, unlinked or on a family's
# shared device.
def test_five_returns_in_a_week_across_linked_accounts_fires():
    assert "RS-03" in fired(
        honest(cluster_accounts=3, cluster_returns_7d=6, cluster_others_returning_7d=2)
    )


def test_five_returns_in_a_week_from_one_unlinked_account_is_not_cluster_velocity():
    assert "RS-03" not in fired(honest(cluster_accounts=1, cluster_returns_7d=6))


def test_a_heavy_returners_own_week_on_a_familys_device_is_not_cluster_velocity():
    assert "RS-03" not in fired(
        honest(cluster_accounts=4, cluster_returns_7d=6, cluster_others_returning_7d=0)
    )


def test_a_score_taken_before_the_other_accounts_were_counted_replays_as_it_was_scored():
    before = honest(cluster_accounts=4, cluster_returns_7d=6)
    del before["cluster_others_returning_7d"]
    assert "RS-03" in fired(before)


def test_cluster_velocity_says_how_many_other_accounts_returned():
    from django.utils import translation

    from aftersales.risk.signals import BY_CODE

    result = score(
        honest(cluster_accounts=3, cluster_returns_7d=6, cluster_others_returning_7d=2),
        BUILTIN,
        trigger=OPEN,
    )
    (reason,) = [r for r in result.reasons if r.code == "RS-03"]
    with translation.override("en"):
        text = BY_CODE["RS-03"].explained(reason.detail)
    assert text == "6 returns in 7 days across 3 linked accounts; 2 of the other accounts returned"


# RS-04: wardrobing — look-alike: an honest late return with no worn history.
def test_late_request_with_worn_history_brings_friction():
    result = score(honest(window_position=0.95, worn_180d=2), BUILTIN, trigger=OPEN)
    assert result.codes == ["RS-04"] and result.level == "friction"


def test_a_late_honest_return_without_worn_history_is_not_wardrobing():
    assert fired(honest(window_position=0.95, worn_180d=0)) == []


# RS-05: bracketing — information only.
def test_bracketing_is_recorded_and_never_raises_the_level():
    result = score(honest(sizes_of_one_spu=3), BUILTIN, trigger=OPEN)
    assert result.codes == ["RS-05"] and result.level == "allow" and result.score == 0


# RS-06: weight mismatch — look-alike: the parcel weighed with its packaging, a scale error.
def test_a_parcel_under_half_its_weight_is_held_for_a_person():
    result = score(honest(return_weight_g=120.0), BUILTIN, trigger=RETURN_SCAN)
    assert result.codes == ["RS-06"] and result.level == "review"


def test_a_parcel_somewhat_light_on_the_carriers_scale_is_not_a_mismatch():
    assert fired(honest(return_weight_g=330.0), RETURN_SCAN) == []


def test_weight_is_not_judged_at_opening():
    assert fired(honest(return_weight_g=10.0)) == []


# RS-07: swap — look-alike: the same serials, read in another order.
def test_a_serial_returned_that_was_not_shipped_goes_to_review():
    result = score(honest(shipped_serials=["IMEI-1"], returned_serials=["IMEI-9"]), BUILTIN,
                   trigger=INSPECT)  # fmt: skip
    assert result.codes == ["RS-07"] and result.level == "review"


def test_the_shipped_serials_returned_in_any_order_are_no_swap():
    inputs = honest(shipped_serials=["A", "B"], returned_serials=["B", "A"])
    assert fired(inputs, INSPECT) == []


# RS-08: refund-only ratio — look-alike: the buyer of a bad merchant.
def test_three_refunds_without_return_in_a_fifth_of_orders_fires():
    assert "RS-08" in fired(honest(refund_only_90d=3, orders_90d=10))


def test_refunds_without_return_from_a_merchant_with_many_quality_refunds_are_excused():
    assert "RS-08" not in fired(honest(refund_only_90d=3, orders_90d=10, merchant_quality_rate=0.3))


# RS-08 — look-alikes: a misdelivered parcel; a fresh-produce buyer's spoiled goods, where the
# shop declares them perishable (policy `perishable_categories`, none by default).
def test_a_not_received_claim_is_no_refund_without_return_of_goods_kept():
    # two quality claims and one misdelivery: RS-09 (with its safeguard) judges the misdelivery
    inputs = honest(refund_only_90d=3, orders_90d=10, refund_only_not_received_90d=1)
    assert "RS-08" not in fired(inputs)


def test_quality_claims_on_goods_the_shop_declares_perishable_are_not_counted():
    inputs = honest(refund_only_90d=3, orders_90d=10, refund_only_perishable_90d=2)
    assert "RS-08" not in fired(inputs)


def test_refunds_without_return_of_goods_that_could_be_sent_back_still_fire():
    inputs = honest(refund_only_90d=4, orders_90d=10, refund_only_not_received_90d=1)
    result = score(inputs, BUILTIN, trigger=OPEN)
    assert result.codes == ["RS-08"]
    assert result.reasons[0].detail == {"refund_only": 3, "orders": 10, "ratio": 0.3,
                                        "not_counted": 1}  # fmt: skip


# RS-09: not received despite proof of delivery — look-alike: one misdelivery.
def test_repeated_not_received_on_signed_parcels_brings_friction():
    result = score(honest(inr_despite_pod_90d=2, claim_is_inr_despite_pod=True), BUILTIN,
                   trigger=OPEN)  # fmt: skip
    assert "RS-09" in result.codes and result.level in ("friction", "review")


def test_a_single_misdelivery_is_not_flagged():
    assert fired(honest(inr_despite_pod_90d=1, claim_is_inr_despite_pod=True)) == []


# RS-10: reason outlier — look-alike: a real defective batch that others report too.
def test_a_quality_claim_on_a_product_nobody_else_reports_is_noted():
    assert "RS-10" in fired(
        honest(claim_is_quality=True, sku_quality_claims_others_90d=0, sku_lines_others_90d=200)
    )


def test_a_quality_claim_others_report_too_clears_the_outlier():
    assert "RS-10" not in fired(
        honest(claim_is_quality=True, sku_quality_claims_others_90d=9, sku_lines_others_90d=200)
    )


# RS-11: evidence reuse — look-alike: no photo in common.
def test_a_photo_filed_with_another_buyers_case_goes_to_review():
    result = score(honest(evidence_reused=1), BUILTIN, trigger=OPEN)
    assert result.codes == ["RS-11"] and result.level == "review"


# RS-12: pro claimant — look-alike: a consumer who really met counterfeits at several shops.
PRO = dict(claim_is_quality=True, punitive_shops_90d=4, punitive_multi_unit_90d=3,
           punitive_text_similarity=0.96)  # fmt: skip


def test_a_template_claim_on_several_units_at_many_shops_goes_to_a_person():
    result = score(honest(**PRO, reason="counterfeit"), BUILTIN, trigger=OPEN)
    assert result.codes == ["RS-12"] and result.level == "review"


def test_real_counterfeit_reports_at_several_shops_in_their_own_words_are_not_a_pro_claimant():
    assert fired(honest(**{**PRO, "punitive_text_similarity": 0.41})) == []


def test_single_units_bought_to_use_are_not_a_pro_claimant():
    assert fired(honest(**{**PRO, "punitive_multi_unit_90d": 0})) == []


def test_a_pro_claimants_no_reason_return_is_not_held_for_their_claims():
    assert fired(honest(**{**PRO, "claim_is_quality": False})) == []


def test_a_quality_claim_whose_punitive_history_was_not_read_is_incomplete_not_denied():
    inputs = honest(claim_is_quality=True)
    del inputs["punitive_shops_90d"]
    result = score(inputs, BUILTIN, trigger=OPEN)
    assert (result.level, result.needs_review) == ("allow", True)


# RS-14: subsidy clawback — look-alike: a partial return that still reaches the promotion.
def promotion(full_reduction_from: float = 0, free_shipping_from: float = 0):
    from aftersales.risk.document import RiskPolicy, validate

    shop = {"full_reduction_from": full_reduction_from, "free_shipping_from": free_shipping_from}
    return RiskPolicy("shop@1", validate({"signals": {"RS-14": shop}}))


def order_of(*lines, discount=20.0, free_shipping=True):
    """An order of (unit price, claimed by this case) lines, ¥20 off and 包邮."""
    rows = [{"line_id": str(n), "quantity": 1, "unit_price": price, "allocated_discount": 0.0,
             "claimed": claimed, "returned_before": 0}
            for n, (price, claimed) in enumerate(lines, 1)]  # fmt: skip
    return honest(order_lines=rows, order_discount=discount, free_shipping=free_shipping)


def test_a_partial_return_below_the_shops_full_reduction_is_shown_line_by_line():
    result = score(order_of((150.0, 1), (80.0, 0)), promotion(200, 99), trigger=OPEN)
    assert result.codes == ["RS-14"] and result.level == "allow"  # information: re-settle
    detail = result.reasons[0].detail
    assert (detail["broken"], detail["kept"], len(detail["lines"])) == ("满减 + 包邮", 80.0, 2)


def test_a_partial_return_that_still_reaches_the_promotion_breaks_nothing():
    assert fired(order_of((50.0, 1), (120.0, 0), (110.0, 0)), policy=promotion(200, 99)) == []


def test_the_whole_order_returned_leaves_nothing_to_re_settle():
    assert fired(order_of((150.0, 1), (80.0, 1)), policy=promotion(200, 99)) == []


def test_a_shop_that_has_not_published_its_promotions_is_not_guessed_for():
    assert fired(order_of((150.0, 1), (80.0, 0))) == []


# RS-13: multi-account — look-alike: a family sharing a device, long-standing accounts.
def test_three_linked_accounts_two_of_them_new_fires():
    assert "RS-13" in fired(honest(cluster_accounts=3, cluster_new_accounts=2))


def test_a_family_of_old_accounts_on_one_device_is_not_multi_account():
    assert "RS-13" not in fired(honest(cluster_accounts=4, cluster_new_accounts=0))


# RS-15: freight insurance claims — look-alike: a heavy returner who claims now and then.
def test_claims_on_most_returns_fires():
    assert "RS-15" in fired(honest(freight_claims_180d=5, returns_180d=6))


def test_a_heavy_returner_claiming_on_some_returns_does_not():
    assert "RS-15" not in fired(honest(freight_claims_180d=2, returns_180d=8))


@pytest.mark.parametrize("reason", ["quality_issue", "not_as_described", "counterfeit"])
def test_nothing_on_the_ladder_denies_a_statutory_claim(reason):
    worst = honest(reason=reason, claim_is_quality=True, evidence_reused=3, worn_180d=9,
                   window_position=1.0, refund_only_90d=9, orders_90d=9, cluster_accounts=9,
                   cluster_new_accounts=9, cluster_returns_7d=30)  # fmt: skip
    assert score(worst, BUILTIN, trigger=OPEN).level == "review"  # a person, never a denial
