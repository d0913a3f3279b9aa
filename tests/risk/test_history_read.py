"""What `risk.inputs.gather` counts, at its edges: each input of the buyer's history over its
window (a row exactly on the window's start counts, one a second before it does not), this case
apart where the input says so, the accounts linked to the buyer (the buyer themself among them),
and the SKU's fault-reason claims by others. The history is written through the order and case
services, then moved in time on the rows, so that every boundary is exact."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import Buyer, Role
from aftersales.cases import services as cases
from aftersales.cases.models import Case, CaseLine, Evidence
from aftersales.core import clock
from aftersales.core.pii import lookup_hash
from aftersales.orders.models import Order, Shipment
from aftersales.orders.services import upsert_order
from aftersales.refunds.models import FreightInsuranceClaim, Refund
from aftersales.returns.models import Inspection
from aftersales.risk.document import RiskPolicy, validate
from aftersales.risk.inputs import Subject, extend, gather
from aftersales.risk.models import Identifier
from aftersales.risk.services import policy_for_merchant
from tests import factories
from tests.cases.factories import merchant_actor
from tests.orders.factories import line_json, order_json

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)
SECOND = timedelta(seconds=1)


class History:
    """One merchant's buyers and what they did, relative to `now` (the scored claim's time)."""

    def __init__(self) -> None:
        self.merchant = factories.merchant()
        self.now = clock.now()

    def buyer(self) -> str:
        return f"b-hist-{next(_seq)}"

    def order(
        self, buyer: str, *, days_ago: float = 3, lines: list[dict[str, Any]] | None = None,
        shipped: bool = True, signed: bool = True, merchant=None,
    ) -> Order:  # fmt: skip
        """An order placed `days_ago` days before now (moved there after it is written)."""
        merchant = merchant or self.merchant
        placed = self.now - timedelta(days=3)
        lines = lines or [line_json("1")]
        total = sum((int(ln["quantity"]) * Decimal(ln["unit_price"]) for ln in lines), Decimal("0"))
        n = next(_seq)
        data = order_json(
            f"HI{n:08d}",
            merchant=merchant.code,
            buyer={**order_json()["buyer"], "external_id": buyer, "phone": f"139{n:08d}"},
            placed_at=placed.isoformat(),
            paid_at=placed.isoformat(),
            lines=lines,
            payments=[{"method": "card", "amount": f"{total:.2f}", "paid_at": placed.isoformat()}],
            shipments=[{"carrier": "sf", "tracking_no": "SF1234567890",
                        "line_ids": [ln["line_id"] for ln in lines],
                        "shipped_at": (placed + timedelta(days=1)).isoformat(),
                        "signed_at": (placed + timedelta(days=2)).isoformat() if signed else None,
                        "installed_at": None}] if shipped else [],
        )  # fmt: skip
        row, _ = upsert_order(actor=merchant_actor(merchant), data=data)
        Order.objects.filter(pk=row.pk).update(placed_at=self.now - timedelta(days=days_ago))
        return row

    def case(
        self, row: Order, *, days_ago: float = 1, type: str = "return_refund",
        reason: str = "no_reason", line_ids: tuple[str, ...] = ("1",),
    ) -> Case:  # fmt: skip
        """A case on `row`, opened as a plain return (as a refund only on an order not signed
        for: at once on one not shipped) and then made of `type` and `reason`, opened
        `days_ago` days before now."""
        actor = Actor(kind="user", role=Role.BUYER, label="b", buyer_id=row.buyer_id)
        signed = Shipment.objects.filter(order=row, signed_at__isnull=False).exists()
        opened_type = "return_refund" if signed else "refund_only"
        case = cases.open_case(
            actor=actor, order=row.external_id, type=opened_type, reason="no_reason",
            lines=[cases.LineClaim(i, 1) for i in line_ids],
        )  # fmt: skip
        Case.objects.filter(pk=case.pk).update(
            type=type, reason=reason, opened_at=self.now - timedelta(days=days_ago)
        )
        return Case.objects.get(pk=case.pk)

    def inputs(self, buyer: str, *, case: Case | None = None, **subject: Any) -> dict[str, Any]:
        """The inputs gather reads for a claim of `buyer` at now: `case` is the claim itself
        (a case id no row has, if none), the rest the Subject's fields."""
        buyer_row = Buyer.objects.get(external_id=buyer)
        policy = policy_for_merchant(self.merchant.pk)
        facts = {"type": "return_refund", "reason": "no_reason", "category": "apparel",
                 "sku": "SKU-1", "claim_amount": Decimal("60.00"), **subject}  # fmt: skip
        s = Subject(
            case_id=case.pk if case else 10**9,
            merchant_id=self.merchant.pk,
            buyer_id=buyer_row.pk,
            at=self.now,
            **facts,
        )
        return gather([s], lambda _s: policy)[s.case_id]

    def extended(self, buyer: str, *, perishable: tuple[str, ...] = (), **subject: Any) -> dict:
        """The inputs with what `extend` adds to them, under a policy naming `perishable`."""
        buyer_row = Buyer.objects.get(external_id=buyer)
        policy = RiskPolicy("shop@1", validate({"perishable_categories": list(perishable)}))
        facts = {"type": "refund_only", "reason": "quality_issue", "category": "apparel",
                 "sku": "SKU-1", "claim_amount": Decimal("60.00"), **subject}  # fmt: skip
        s = Subject(case_id=10**9, merchant_id=self.merchant.pk, buyer_id=buyer_row.pk,
                    at=self.now, **facts)  # fmt: skip
        inputs = gather([s], lambda _s: policy)
        extend(inputs, [s], lambda _s: policy)
        return inputs[s.case_id]


@pytest.fixture
def h() -> History:
    return History()


# --- the buyer's orders ------------------------------------------------------------------------


def test_orders_90d_counts_orders_placed_from_exactly_90_days_before(h):
    buyer = h.buyer()
    h.order(buyer, days_ago=10)
    on_the_edge = h.order(buyer, days_ago=10)
    before_it = h.order(buyer, days_ago=10)
    Order.objects.filter(pk=on_the_edge.pk).update(placed_at=h.now - timedelta(days=90))
    Order.objects.filter(pk=before_it.pk).update(placed_at=h.now - timedelta(days=90) - SECOND)
    assert h.inputs(buyer)["orders_90d"] == 2


def test_orders_90d_counts_an_order_once_whatever_its_lines(h):
    buyer = h.buyer()
    h.order(buyer, lines=[line_json("1"), line_json("2"), line_json("3")])
    assert h.inputs(buyer)["orders_90d"] == 1


def test_lines_180d_category_counts_lines_of_the_category_from_exactly_180_days_before(h):
    buyer = h.buyer()
    h.order(buyer, days_ago=20, lines=[line_json("1"), line_json("2", category="electronics")])
    edge = h.order(buyer, lines=[line_json("1"), line_json("2")])
    old = h.order(buyer, lines=[line_json("1")])
    Order.objects.filter(pk=edge.pk).update(placed_at=h.now - timedelta(days=180))
    Order.objects.filter(pk=old.pk).update(placed_at=h.now - timedelta(days=180) - SECOND)
    assert h.inputs(buyer, category="apparel")["lines_180d_category"] == 3
    assert h.inputs(buyer, category="electronics")["lines_180d_category"] == 1


def test_bought_180d_sums_what_was_paid_for_every_line_in_the_window(h):
    buyer = h.buyer()
    lines = [line_json("1", unit_price="60.00", quantity=2),
             line_json("2", unit_price="15.50", category="cosmetics")]  # fmt: skip
    h.order(buyer, days_ago=30, lines=lines)
    h.order(buyer, days_ago=181, lines=[line_json("1", unit_price="999.00")])
    assert h.inputs(buyer)["bought_180d"] == 135.5


def test_bought_180d_is_nothing_for_a_buyer_without_orders_in_the_window(h):
    buyer = h.buyer()
    h.order(buyer, days_ago=200)
    assert h.inputs(buyer)["bought_180d"] == 0.0


def test_another_buyers_orders_do_not_count_as_the_buyers(h):
    buyer, other = h.buyer(), h.buyer()
    h.order(buyer)
    h.order(other)
    h.order(other)
    got = h.inputs(buyer)
    assert (got["orders_90d"], got["lines_180d_category"], got["bought_180d"]) == (1, 1, 60.0)


# --- the buyer's cases ---------------------------------------------------------------------------


def test_returns_180d_counts_return_exchange_and_refund_only_cases_from_exactly_180_days(h):
    buyer = h.buyer()
    for type in ("return_refund", "exchange", "refund_only", "repair"):
        h.case(h.order(buyer, days_ago=30), days_ago=20, type=type)
    h.case(h.order(buyer, days_ago=200), days_ago=180, type="return_refund")
    h.case(h.order(buyer, days_ago=200), days_ago=180 + SECOND / timedelta(days=1))
    assert h.inputs(buyer)["returns_180d"] == 4


def test_returns_180d_category_counts_a_case_once_however_many_of_its_lines_are_in_it(h):
    buyer = h.buyer()
    two = h.order(buyer, lines=[line_json("1"), line_json("2")])
    h.case(two, line_ids=("1", "2"))
    h.case(h.order(buyer, lines=[line_json("1", category="electronics")]))
    h.case(h.order(buyer), type="repair")
    got = h.inputs(buyer, category="apparel")
    assert got["returns_180d_category"] == 1
    assert h.inputs(buyer, category="electronics")["returns_180d_category"] == 1


def test_returns_180d_category_counts_this_case_too(h):
    buyer = h.buyer()
    this = h.case(h.order(buyer), days_ago=0)
    assert h.inputs(buyer, case=this)["returns_180d_category"] == 1


def test_refund_only_90d_counts_refund_only_cases_on_shipped_orders_only(h):
    buyer = h.buyer()
    h.case(h.order(buyer), type="refund_only", days_ago=90)
    h.case(h.order(buyer), type="refund_only", days_ago=90 + SECOND / timedelta(days=1))
    h.case(h.order(buyer, shipped=False), type="refund_only")
    h.case(h.order(buyer), type="return_refund")
    assert h.inputs(buyer)["refund_only_90d"] == 1


def test_inr_despite_pod_90d_counts_not_received_claims_on_orders_signed_for(h):
    buyer = h.buyer()
    h.case(h.order(buyer), type="refund_only", reason="not_received", days_ago=90)
    h.case(h.order(buyer, signed=False), type="refund_only", reason="not_received")
    h.case(h.order(buyer), type="refund_only", reason="not_received", days_ago=91)
    h.case(h.order(buyer), type="refund_only", reason="no_reason")
    assert h.inputs(buyer)["inr_despite_pod_90d"] == 1


def test_from_rs08s_minimum_the_not_received_and_perishable_quality_claims_are_told_apart(h):
    # (food declared perishable by the shop's policy; no category is by default)
    buyer = h.buyer()
    food = [line_json("1", category="food")]
    h.case(h.order(buyer, lines=food), type="refund_only", reason="quality_issue")
    h.case(h.order(buyer, lines=food), type="refund_only", reason="no_reason")  # not a fault
    h.case(h.order(buyer), type="refund_only", reason="not_received")
    h.case(h.order(buyer), type="refund_only", reason="quality_issue")  # apparel: returnable
    h.case(h.order(buyer), type="refund_only", reason="quality_issue", days_ago=91)
    inputs = h.extended(buyer, perishable=("food",))
    assert inputs["refund_only_90d"] == 4
    assert (inputs["refund_only_not_received_90d"], inputs["refund_only_perishable_90d"]) == (1, 1)


def test_by_default_a_quality_claim_on_food_counts_toward_rs08(h):
    buyer = h.buyer()
    for _ in range(3):
        h.case(h.order(buyer, lines=[line_json("1", category="food")]), type="refund_only",
               reason="quality_issue")  # fmt: skip
    assert h.extended(buyer)["refund_only_perishable_90d"] == 0


def test_an_order_with_a_returnable_line_beside_the_food_is_no_perishable_claim(h):
    buyer = h.buyer()
    mixed = [line_json("1", category="food"), line_json("2")]
    for _ in range(3):
        h.case(h.order(buyer, lines=mixed), type="refund_only", reason="quality_issue",
               line_ids=("1", "2"))  # fmt: skip
    assert h.extended(buyer, perishable=("food",))["refund_only_perishable_90d"] == 0


def test_below_rs08s_minimum_the_refund_only_claims_are_not_read(h):
    buyer = h.buyer()
    h.case(h.order(buyer), type="refund_only", reason="not_received")
    h.case(h.order(buyer), type="refund_only", reason="quality_issue")
    assert "refund_only_not_received_90d" not in h.extended(buyer)


def test_refunded_180d_sums_refunds_that_did_not_fail_this_case_apart(h):
    buyer = h.buyer()
    kept = h.case(h.order(buyer, shipped=False), type="refund_only", days_ago=100)
    failed = h.case(h.order(buyer, shipped=False), type="refund_only", days_ago=100)
    old = h.case(h.order(buyer, shipped=False), type="refund_only", days_ago=181)
    this = h.case(h.order(buyer, shipped=False), type="refund_only", days_ago=0)
    assert Refund.objects.filter(case__in=[kept, failed, old, this]).count() == 4
    Refund.objects.filter(case=failed).update(state="failed")
    Refund.objects.filter(case=kept).update(amount=Decimal("12.34"))
    assert h.inputs(buyer, case=this)["refunded_180d"] == 12.34


def _inspect(case: Case, *, result: str = "pass", grade: str = "as_new", line: int = 0) -> None:
    line = CaseLine.objects.filter(case=case).order_by("pk")[line]
    Inspection.objects.create(case=case, case_line=line, merchant_id=case.merchant_id,
                              result=result, grade=grade, disposition="restock",
                              inspected_by="merchant")  # fmt: skip


def test_worn_180d_counts_each_worn_or_failed_inspection_this_case_apart(h):
    buyer = h.buyer()
    twice = h.case(h.order(buyer, lines=[line_json("1"), line_json("2")]), line_ids=("1", "2"))
    _inspect(twice, grade="fair")
    _inspect(twice, result="fail", grade="good", line=1)
    partial = h.case(h.order(buyer))
    _inspect(partial, result="partial", grade="as_new")
    clean = h.case(h.order(buyer))
    _inspect(clean, result="pass", grade="good")
    old = h.case(h.order(buyer), days_ago=181)
    _inspect(old, grade="damaged")
    this = h.case(h.order(buyer), days_ago=0)
    _inspect(this, grade="damaged")
    assert h.inputs(buyer, case=this)["worn_180d"] == 3


def test_freight_claims_180d_counts_claims_on_the_buyers_cases_in_the_window(h):
    buyer = h.buyer()
    for days in (180, 10, 181):
        case = h.case(h.order(buyer), days_ago=days)
        FreightInsuranceClaim.objects.create(merchant_id=case.merchant_id, case=case,
                                             order_id=case.order_id)  # fmt: skip
    h.case(h.order(buyer))
    this = h.case(h.order(buyer), days_ago=0)
    FreightInsuranceClaim.objects.create(merchant_id=this.merchant_id, case=this,
                                         order_id=this.order_id)  # fmt: skip
    assert h.inputs(buyer, case=this)["freight_claims_180d"] == 3


# --- the linked accounts -------------------------------------------------------------------------


def _identify(buyer: str, kind: str, value: str, shared_type: str = "") -> None:
    Identifier.objects.create(
        buyer=Buyer.objects.get(external_id=buyer),
        kind=kind,
        value_hash=lookup_hash(value, kind=kind),
        shared_type=shared_type,
    )


def test_cluster_accounts_counts_the_buyer_and_the_accounts_sharing_a_device(h):
    buyer, friend, stranger = h.buyer(), h.buyer(), h.buyer()
    for b in (buyer, friend, stranger):
        h.order(b, days_ago=60)
    _identify(buyer, "device", "dev-1")
    _identify(friend, "device", "dev-1")
    _identify(stranger, "device", "dev-2")
    assert h.inputs(buyer)["cluster_accounts"] == 2


def test_an_ip_or_an_allowlisted_shared_address_links_no_one(h):
    buyer, neighbour, student = h.buyer(), h.buyer(), h.buyer()
    for b in (buyer, neighbour, student):
        h.order(b, days_ago=60)
    _identify(buyer, "ip", "203.0.113.9")
    _identify(neighbour, "ip", "203.0.113.9")
    _identify(buyer, "address", "dorm 3", shared_type="dormitory")
    _identify(student, "address", "dorm 3", shared_type="dormitory")
    assert h.inputs(buyer)["cluster_accounts"] == 1


def test_accounts_with_the_same_phone_are_linked(h):
    buyer, twin = h.buyer(), h.buyer()
    h.order(buyer, days_ago=60)
    h.order(twin, days_ago=60)
    phone = Buyer.objects.get(external_id=buyer).phone_hash
    Buyer.objects.filter(external_id=twin).update(phone_hash=phone)
    assert h.inputs(buyer)["cluster_accounts"] == 2


def test_cluster_returns_7d_counts_the_buyers_own_returns_with_nothing_linked(h):
    buyer = h.buyer()
    h.case(h.order(buyer), days_ago=7)
    h.case(h.order(buyer), days_ago=7 + SECOND / timedelta(days=1))
    h.case(h.order(buyer), days_ago=1, type="repair")
    Buyer.objects.filter(external_id=buyer).update(phone_hash="")
    assert h.inputs(buyer)["cluster_returns_7d"] == 1


def test_cluster_returns_7d_adds_the_linked_accounts_returns(h):
    buyer, friend, stranger = h.buyer(), h.buyer(), h.buyer()
    h.case(h.order(buyer), days_ago=1)
    h.case(h.order(friend), days_ago=2)
    h.case(h.order(friend), days_ago=3, type="exchange")
    h.case(h.order(stranger), days_ago=1)
    _identify(buyer, "payment", "acct-1")
    _identify(friend, "payment", "acct-1")
    assert h.inputs(buyer)["cluster_returns_7d"] == 3


def test_cluster_others_returning_counts_the_linked_accounts_that_returned_in_7_days(h):
    buyer, sister, brother, stranger = h.buyer(), h.buyer(), h.buyer(), h.buyer()
    h.case(h.order(buyer), days_ago=1)
    h.case(h.order(buyer), days_ago=2)
    h.case(h.order(sister), days_ago=3)
    h.case(h.order(sister), days_ago=4)
    h.case(h.order(brother), days_ago=8)  # a week and a day ago: not in the week
    h.case(h.order(stranger), days_ago=1)
    for b in (buyer, sister, brother):
        _identify(b, "device", "family-tablet")
    found = h.inputs(buyer)
    assert (found["cluster_accounts"], found["cluster_returns_7d"]) == (3, 4)
    assert found["cluster_others_returning_7d"] == 1


def test_a_buyers_own_returns_make_no_other_account_returning(h):
    buyer, sister = h.buyer(), h.buyer()
    for days_ago in (1, 2, 3, 4, 5):
        h.case(h.order(buyer), days_ago=days_ago)
    h.order(sister, days_ago=20)
    for b in (buyer, sister):
        _identify(b, "device", "family-tablet")
    found = h.inputs(buyer)
    assert (found["cluster_accounts"], found["cluster_returns_7d"]) == (2, 5)
    assert found["cluster_others_returning_7d"] == 0


def test_cluster_new_accounts_counts_linked_accounts_whose_first_order_is_within_30_days(h):
    buyer, fresh, edge, seasoned = h.buyer(), h.buyer(), h.buyer(), h.buyer()
    h.order(buyer, days_ago=100)
    h.order(fresh, days_ago=5)
    h.order(edge, days_ago=30)
    h.order(seasoned, days_ago=31)
    h.order(seasoned, days_ago=2)
    for b in (buyer, fresh, edge, seasoned):
        _identify(b, "device", "dev-9")
    assert h.inputs(buyer)["cluster_new_accounts"] == 2


def test_a_new_buyer_linked_to_others_counts_themself_among_the_new_accounts(h):
    buyer, friend = h.buyer(), h.buyer()
    h.order(buyer, days_ago=2)
    h.order(friend, days_ago=200)
    _identify(buyer, "device", "dev-7")
    _identify(friend, "device", "dev-7")
    got = h.inputs(buyer)
    assert (got["cluster_accounts"], got["cluster_new_accounts"]) == (2, 1)


# --- the SKU's claims by others (RS-10), and reused photos (RS-11) -------------------------------


def test_sku_quality_claims_count_others_fault_reason_cases_on_the_sku_in_90_days(h):
    buyer, others = h.buyer(), [h.buyer() for _ in range(5)]
    sku = [line_json("1", sku="SKU-Q")]
    h.case(h.order(others[0], lines=sku), reason="quality_issue", days_ago=90)
    h.case(h.order(others[1], lines=sku), reason="wrong_item")
    h.case(h.order(others[2], lines=sku), reason="no_reason")
    h.case(h.order(others[3], lines=sku), reason="quality_issue", days_ago=91)
    h.case(h.order(others[4], lines=[line_json("1", sku="SKU-R")]), reason="quality_issue")
    h.case(h.order(buyer, lines=sku), reason="quality_issue")
    got = h.inputs(buyer, reason="quality_issue", sku="SKU-Q")
    assert got["sku_quality_claims_others_90d"] == 2


def test_sku_lines_others_count_what_others_bought_of_the_sku_at_this_merchant_in_90_days(h):
    buyer, other = h.buyer(), h.buyer()
    sku = line_json("1", sku="SKU-Q")
    h.order(other, days_ago=90, lines=[sku, line_json("2", sku="SKU-Q")])
    h.order(other, days_ago=91, lines=[sku])
    h.order(other, lines=[line_json("1", sku="SKU-R")])
    h.order(other, lines=[sku], merchant=factories.merchant())
    h.order(buyer, lines=[sku])
    assert h.inputs(buyer, reason="quality_issue", sku="SKU-Q")["sku_lines_others_90d"] == 2


def test_the_sku_counts_are_not_read_for_a_claim_without_a_fault_reason(h):
    buyer, other = h.buyer(), h.buyer()
    sku = [line_json("1", sku="SKU-Q")]
    h.order(buyer)
    h.case(h.order(other, lines=sku), reason="quality_issue")
    got = h.inputs(buyer, reason="no_reason", sku="SKU-Q")
    assert (got["sku_quality_claims_others_90d"], got["sku_lines_others_90d"]) == (0, 0)


def _photo(case: Case, digest: str) -> None:
    Evidence.objects.create(case=case, merchant_id=case.merchant_id, uploaded_by_role="buyer",
                            uploaded_by_label="buyer", kind="image", content_type="image/jpeg",
                            storage_key=f"evidence/{case.pk}/{digest}.jpg", size=1,
                            sha256=digest * 64)  # fmt: skip


def test_evidence_reused_counts_this_cases_photos_also_filed_by_another_buyer(h):
    buyer, other = h.buyer(), h.buyer()
    this = h.case(h.order(buyer), days_ago=0)
    mine_before = h.case(h.order(buyer), days_ago=30)
    theirs = h.case(h.order(other), days_ago=30)
    for digest in ("a", "b", "c"):
        _photo(this, digest)
    _photo(theirs, "a")
    _photo(theirs, "b")
    _photo(mine_before, "c")
    assert h.inputs(buyer, case=this)["evidence_reused"] == 2


def test_every_subject_of_a_batch_gets_its_own_row_in_one_statement(h):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    one, two = h.buyer(), h.buyer()
    h.order(one)
    h.order(two, lines=[line_json("1"), line_json("2")])
    policy = policy_for_merchant(h.merchant.pk)
    subjects = [
        Subject(case_id=10**9 + i, merchant_id=h.merchant.pk,
                buyer_id=Buyer.objects.get(external_id=b).pk, type="return_refund",
                reason="quality_issue", at=h.now, category="apparel", sku="SKU-1",
                claim_amount=Decimal("60.00"))
        for i, b in enumerate((one, two))
    ]  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        got = gather(subjects, lambda _s: policy)
    assert [got[s.case_id]["lines_180d_category"] for s in subjects] == [1, 2]
    assert len(queries) == 1
