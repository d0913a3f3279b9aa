from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client


class ApiClient:
    """Django's test client speaking JSON to /api/v1 with a bearer token."""

    def __init__(self, token: str | None = None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self, headers: dict | None) -> dict:
        out = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        for k, v in (headers or {}).items():
            out["HTTP_" + k.upper().replace("-", "_")] = v
        return out

    def get(self, path: str, headers: dict | None = None, **params):
        return self.client.get("/api/v1" + path, params, **self._headers(headers))

    def post(
        self, path: str, body=None, *, raw: bytes | str | None = None, headers: dict | None = None
    ):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(
            "/api/v1" + path, data, content_type="application/json", **self._headers(headers)
        )

    def patch(self, path: str, body=None, *, headers: dict | None = None):
        return self.client.patch(
            "/api/v1" + path,
            json.dumps(body if body is not None else {}),
            content_type="application/json",
            **self._headers(headers),
        )

    def delete(self, path: str, headers: dict | None = None):
        return self.client.delete("/api/v1" + path, **self._headers(headers))


@pytest.fixture
def api():
    return ApiClient


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL behaviour. In the PostgreSQL pass they run; in the
    SQLite pass they are deselected (they are not skipped: CI runs them in its PostgreSQL pass)."""
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if on_postgres:
        return
    kept = [i for i in items if "postgres" not in i.keywords]
    deselected = [i for i in items if "postgres" in i.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture
def vendor() -> str:
    return connection.vendor


@pytest.fixture(autouse=True)
def _forget_policy_versions():
    """Published versions are cached by label for the life of a process; each test's database
    is rolled back, so the cache must not carry `cn-default@2` from one test into the next."""
    yield
    from aftersales.policy import loading

    loading.compiled.cache_clear()
    loading.forget_latest()
    from aftersales.risk.inputs import forget_merchant_quality
    from aftersales.risk.services import forget_policies

    forget_policies()
    forget_merchant_quality()  # ids come back after a rollback on SQLite
    from aftersales.credit import enforce

    enforce.forget()  # the restrictions in force, by merchant id


@pytest.fixture
def periodic_checks_held(monkeypatch):
    """The policy, calendar, risk and credit caches re-read their latest version every few
    seconds: on a loaded machine one such small query can land between two statement counts.
    Statement-count tests hold them (what they count is the page's own work)."""
    from aftersales.core import calendar
    from aftersales.credit import policydata
    from aftersales.policy import loading
    from aftersales.risk import services as risk_services

    forever = float("inf")
    monkeypatch.setattr(calendar, "CHECK_INTERVAL_SECONDS", forever)
    monkeypatch.setattr(loading, "LATEST_CHECK_SECONDS", forever)
    monkeypatch.setattr(policydata, "LATEST_CHECK_SECONDS", forever)
    monkeypatch.setattr(risk_services, "CHECK_SECONDS", forever)
    from aftersales.credit import enforce

    monkeypatch.setattr(enforce, "CHECK_SECONDS", forever)
