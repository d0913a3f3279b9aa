"""The buyer's bracket returns (`risk.inputs.bracket_returns`): the sizes sent back of a product
bought in several sizes in one order, one size kept — RS-01's and RS-02's "sizing", which RS-05
says never blocks. Read only where RS-01 or RS-02 fires without them; whether a size is kept is
read at the time of the score, so sending the last size back too makes every return count."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import Buyer, Role
from aftersales.cases import services as cases
from aftersales.cases.models import Case, CaseLine
from aftersales.refunds.models import FreightInsuranceClaim, Refund
from aftersales.risk.inputs import Subject, bracket_returns, extend, gather
from aftersales.risk.models import Assessment
from aftersales.risk.services import policy_for_merchant
from tests.orders.factories import line_json
from tests.risk.test_history_read import History

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)


@pytest.fixture
def h() -> History:
    return History()


def size(line_id: str, spu: str, size: str, **overrides: Any) -> dict[str, Any]:
    """An order line of one size of a product (`spu`)."""
    line = line_json(line_id, **overrides)
    line["attributes"] = {**line["attributes"], "spu": spu, "size": size}
    return line


def three_sizes(h: History, buyer: str, **overrides: Any):
    return h.order(buyer, days_ago=20, lines=[size("1", "DRESS", "S", **overrides),
                                              size("2", "DRESS", "M", **overrides),
                                              size("3", "DRESS", "L", **overrides)])  # fmt: skip


def read(h: History, buyer: str, **subject: Any) -> dict[str, Any]:
    policy = policy_for_merchant(h.merchant.pk)
    facts = {"type": "return_refund", "reason": "no_reason", "category": "apparel",
             "sku": "SKU-1", "claim_amount": Decimal("60.00"), **subject}  # fmt: skip
    s = Subject(case_id=10**9, merchant_id=h.merchant.pk,
                buyer_id=Buyer.objects.get(external_id=buyer).pk, at=h.now, **facts)  # fmt: skip
    return bracket_returns([s], lambda _s: policy)[s.case_id]


def refund(case: Case, amount: str) -> Refund:
    order = case.order
    return Refund.objects.create(
        merchant=case.merchant, case=case, order=order, payment=order.payments.first(),
        amount=Decimal(amount), currency="CNY", method="card", state="succeeded",
        idempotency_key=f"bracket-{next(_seq)}", provider="fake", requested_at=case.opened_at,
    )  # fmt: skip


def test_the_sizes_sent_back_of_a_product_bought_in_three_one_kept_are_a_bracket_return(h):
    buyer = h.buyer()
    h.case(three_sizes(h, buyer), line_ids=("2", "3"))
    got = read(h, buyer)
    assert (got["bracket_returns_180d"], got["bracket_lines_180d"]) == (1, 2)
    assert (got["bracket_returns_180d_category"], got["bracket_lines_180d_category"]) == (1, 2)


def test_every_size_sent_back_is_no_bracket_return(h):
    buyer = h.buyer()
    h.case(three_sizes(h, buyer), line_ids=("1", "2", "3"))
    assert read(h, buyer)["bracket_returns_180d"] == 0


def test_once_the_kept_size_goes_back_too_the_earlier_return_counts_again(h):
    buyer = h.buyer()
    order = three_sizes(h, buyer)
    h.case(order, line_ids=("2", "3"), days_ago=10)
    assert read(h, buyer)["bracket_returns_180d"] == 1
    h.case(order, line_ids=("1",), days_ago=5)
    assert read(h, buyer)["bracket_returns_180d"] == 0


def test_a_withdrawn_return_of_the_kept_size_leaves_it_kept(h):
    buyer = h.buyer()
    order = three_sizes(h, buyer)
    h.case(order, line_ids=("2", "3"), days_ago=10)
    withdrawn = h.case(order, line_ids=("1",), days_ago=5)
    CaseLine.objects.filter(case=withdrawn).update(holds_quantity=False)
    # S is kept after all: both returns are of a product bought in three sizes, one kept.
    assert read(h, buyer)["bracket_returns_180d"] == 2


def test_a_return_with_a_line_outside_the_bracket_counts_as_a_return(h):
    buyer = h.buyer()
    order = h.order(buyer, lines=[size("1", "DRESS", "S"), size("2", "DRESS", "M"),
                                  line_json("3", category="home")])  # fmt: skip
    h.case(order, line_ids=("2", "3"))
    assert read(h, buyer)["bracket_returns_180d"] == 0


def test_two_of_one_size_is_quantity_not_bracketing(h):
    buyer = h.buyer()
    order = h.order(buyer, lines=[size("1", "DRESS", "M"), size("2", "DRESS", "M")])
    h.case(order, line_ids=("2",))
    assert read(h, buyer)["bracket_returns_180d"] == 0


def test_sizes_of_two_products_are_no_bracket(h):
    buyer = h.buyer()
    order = h.order(buyer, lines=[size("1", "DRESS", "S"), size("2", "SKIRT", "M")])
    h.case(order, line_ids=("2",))
    assert read(h, buyer)["bracket_returns_180d"] == 0


def test_a_bracket_on_an_order_placed_before_the_window_counts_as_a_return(h):
    buyer = h.buyer()
    old = h.order(buyer, days_ago=185, lines=[size("1", "DRESS", "S"), size("2", "DRESS", "M")])
    h.case(old, line_ids=("2",), days_ago=170)
    assert read(h, buyer)["bracket_returns_180d"] == 0


def test_another_category_s_bracket_is_set_apart_across_categories_only(h):
    buyer = h.buyer()
    h.case(three_sizes(h, buyer, category="shoes_bags"), line_ids=("2", "3"))
    got = read(h, buyer, category="apparel")
    assert (got["bracket_returns_180d"], got["bracket_lines_180d"]) == (1, 2)
    assert (got["bracket_returns_180d_category"], got["bracket_lines_180d_category"]) == (0, 0)
    assert got["bracket_expected_returns_180d"] == pytest.approx(
        2 * policy_for_merchant(h.merchant.pk).baseline("shoes_bags")
    )


def test_what_came_back_of_other_bracket_returns_is_summed_this_case_apart(h):
    buyer = h.buyer()
    earlier = h.case(three_sizes(h, buyer), line_ids=("2", "3"), days_ago=10)
    refund(earlier, "120.00")
    this = h.case(three_sizes(h, buyer), line_ids=("1", "2"), days_ago=0)
    refund(this, "120.00")
    policy = policy_for_merchant(h.merchant.pk)
    s = Subject(case_id=this.pk, merchant_id=h.merchant.pk, buyer_id=this.buyer_id, at=h.now,
                type="return_refund", reason="no_reason", category="apparel", sku="SKU-1",
                claim_amount=Decimal("120.00"))  # fmt: skip
    got = bracket_returns([s], lambda _s: policy)[this.pk]
    assert (got["bracket_returns_180d"], got["bracket_refunded_180d"]) == (2, 120.0)
    assert got["claim_is_bracket_return"] is True


def test_the_freight_insurance_claims_of_bracket_returns_are_counted(h):
    buyer = h.buyer()
    insured = h.case(three_sizes(h, buyer), line_ids=("2", "3"), days_ago=10)
    FreightInsuranceClaim.objects.create(merchant_id=insured.merchant_id, case=insured,
                                         order_id=insured.order_id)  # fmt: skip
    h.case(three_sizes(h, buyer), line_ids=("1",), days_ago=5)
    got = read(h, buyer)
    assert (got["bracket_returns_180d"], got["bracket_freight_claims_180d"]) == (2, 1)


def test_the_brackets_are_not_read_where_neither_rs01_nor_rs02_fires(h):
    buyer = h.buyer()
    h.case(three_sizes(h, buyer), line_ids=("2", "3"))
    policy = policy_for_merchant(h.merchant.pk)
    s = Subject(case_id=10**9, merchant_id=h.merchant.pk,
                buyer_id=Buyer.objects.get(external_id=buyer).pk, at=h.now,
                type="return_refund", reason="no_reason", category="apparel", sku="SKU-1",
                claim_amount=Decimal("60.00"))  # fmt: skip
    found = gather([s], lambda _s: policy)
    extend(found, [s], lambda _s: policy)
    assert "bracket_returns_180d" not in found[s.case_id]


# --- end to end: a case opened through the case service, scored as it opens --------------------


def test_a_buyer_who_keeps_one_size_of_each_product_is_not_flagged_for_the_money_back(h):
    """Four dresses bought in three sizes at ¥300, two sizes of each sent back and refunded:
    ¥2,400 back of ¥3,600 (RS-02 at 0.67). The fifth dress's two sizes go back as well — the
    buyer kept one of each: nothing was returned of what they meant to buy."""
    buyer = h.buyer()
    for _ in range(4):
        earlier = h.case(three_sizes(h, buyer, unit_price="300.00"), line_ids=("2", "3"))
        refund(earlier, "600.00")
    fifth = three_sizes(h, buyer, unit_price="300.00")
    actor = Actor(kind="user", role=Role.BUYER, label="b", buyer_id=fifth.buyer_id)
    case = cases.open_case(actor=actor, order=fifth.external_id, type="return_refund",
                           reason="no_reason",
                           lines=[cases.LineClaim("2", 1), cases.LineClaim("3", 1)])  # fmt: skip
    score = Assessment.objects.get(subject_kind="case", subject_id=case.pk)
    assert "RS-02" not in [r["code"] for r in score.reasons]
    assert score.snapshot["inputs"]["bracket_returns_180d"] == 5
    assert score.snapshot["inputs"]["claim_is_bracket_return"] is True


def test_a_buyer_who_sends_every_size_back_is_judged_on_all_of_it(h):
    buyer = h.buyer()
    for _ in range(4):
        earlier = h.case(three_sizes(h, buyer, unit_price="300.00"), line_ids=("1", "2", "3"))
        refund(earlier, "900.00")
    fifth = three_sizes(h, buyer, unit_price="300.00")
    actor = Actor(kind="user", role=Role.BUYER, label="b", buyer_id=fifth.buyer_id)
    case = cases.open_case(actor=actor, order=fifth.external_id, type="return_refund",
                           reason="no_reason",
                           lines=[cases.LineClaim(i, 1) for i in ("1", "2", "3")])  # fmt: skip
    score = Assessment.objects.get(subject_kind="case", subject_id=case.pk)
    assert "RS-02" in [r["code"] for r in score.reasons]
    assert score.snapshot["inputs"]["bracket_returns_180d"] == 0
