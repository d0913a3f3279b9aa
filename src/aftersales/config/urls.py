"""URL wiring: the API under /api/v1, the admin, and the portal pages."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from aftersales.config.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("aftersales.web.urls")),
]

if settings.AFTERSALES_BENCH_BASELINE:  # benchmarks only: POST /api/bench/baseline
    urlpatterns.insert(0, path("", include("bench.baseline.urls")))
