from django.urls import path

from bench.baseline.api import api

urlpatterns = [path("api/bench/", api.urls)]
