"""`aftersales demo`'s credit story: each demo shop's category holds peer shops with their own
history of the last complete months, so a category mean is the mean of several shops and the
grades differ; the month shown by default is complete."""

import pytest
from django.core.management import call_command

from aftersales.credit import demo
from aftersales.credit.models import MerchantMetric, MerchantRating

pytestmark = pytest.mark.django_db


def test_every_demo_category_has_peers_that_rate_differently():
    call_command("demo", "--orders", "150", "--buyers", "12")
    last = demo.history_months()[-1]
    by_category: dict[str, list] = {}
    for r in MerchantRating.objects.filter(month=last.first).select_related("merchant"):
        by_category.setdefault(r.category, []).append(r)
    for shop in demo.DEMO_SHOPS:
        peers = by_category[shop.category]
        assert len(peers) >= 3 and shop.code in {r.merchant.code for r in peers}, shop.code
        assert len({r.score for r in peers}) > 1, shop.code  # other conduct, other scores
        assert not any(r.partial for r in peers)
        rows = MerchantMetric.objects.filter(merchant__code=shop.code, month=last.first)
        assert any(m.value != m.category_mean for m in rows), shop.code  # a mean of peers
    assert {"A", "B", "C"} <= set(MerchantRating.objects.values_list("grade", flat=True))
