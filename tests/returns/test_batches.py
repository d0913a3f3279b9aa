"""The services take a batch of cases at once: the statements they run do not grow with the
size of the batch (one read, one bulk insert per table)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.cases.models import Case
from aftersales.core import clock
from aftersales.returns import services
from aftersales.returns.carriers import TrackingUpdate
from tests.cases import builders as b
from tests.returns import builders as rb

pytestmark = pytest.mark.django_db


def statements(run) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries)


def cases(n: int) -> list[Case]:
    s = rb.shop_with_address()
    return [Case.objects.get(pk=b.open_case(s, "return_refund").id) for _ in range(n)]


def specs(batch: list[Case]) -> list[services.ShipmentSpec]:
    return [
        services.ShipmentSpec(case=c, direction="return", carrier="fake", tracking_no=rb.fake_no())
        for c in batch
    ]


def test_recording_shipments_runs_as_many_statements_for_ten_cases_as_for_one():
    one, ten = cases(1), cases(10)
    assert statements(lambda: services.record_shipments(specs(one))) == statements(
        lambda: services.record_shipments(specs(ten))
    )


def test_recording_scans_runs_as_many_statements_for_ten_parcels_as_for_one():
    def scans_of(batch):
        shipments = services.record_shipments(specs(batch))
        return [
            TrackingUpdate(f"e-{s.pk}", s.tracking_no, "in_transit", clock.now()) for s in shipments
        ]

    one, ten = scans_of(cases(1)), scans_of(cases(10))
    assert statements(lambda: services.record_tracking("fake", one)) == statements(
        lambda: services.record_tracking("fake", ten)
    )
