"""URL wiring: the API under /api/v1, the admin, and the portal pages."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from aftersales.config.api import api
from aftersales.web import buyer, desk, merchant

buyer_urls = (
    [
        path("", buyer.cases, name="cases"),
        path("orders/", buyer.orders, name="orders"),
        path("orders/<int:order_id>/request/", buyer.new_request, name="request"),
        path("orders/<int:order_id>/eligibility/", buyer.eligibility, name="eligibility"),
        path("cases/<int:case_id>/", buyer.case, name="case"),
        path("cases/<int:case_id>/actions/<str:action>/", buyer.act, name="act"),
    ],
    "buyer",
)
merchant_urls = (
    [
        path("", merchant.queue, name="queue"),
        path("bulk-approve/", merchant.bulk_approve, name="bulk_approve"),
        path("cases/<int:case_id>/", merchant.case, name="case"),
        path("cases/<int:case_id>/actions/<str:action>/", merchant.act, name="act"),
    ],
    "merchant",
)
desk_urls = (
    [
        path("", desk.queue, name="queue"),
        path("cases/<int:case_id>/", desk.case, name="case"),
        path("cases/<int:case_id>/actions/<str:action>/", desk.act, name="act"),
    ],
    "desk",
)

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("buyer/", include(buyer_urls)),
    path("merchant/", include(merchant_urls)),
    path("desk/", include(desk_urls)),
    path("", include("aftersales.web.urls")),
]

if settings.AFTERSALES_BENCH_BASELINE:  # benchmarks only: POST /api/bench/baseline
    urlpatterns.insert(0, path("", include("bench.baseline.urls")))
