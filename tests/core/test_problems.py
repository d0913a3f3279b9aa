import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_unknown_api_route_is_problem_json_404(api):
    response = api(factories.platform_token()).get("/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_missing_token_is_problem_json_401(api):
    response = api().get("/merchants/m-1")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == "Bearer"


def test_wrong_method_is_problem_json_405(api):
    response = api(factories.platform_token()).delete("/merchants/m-1")
    assert response.status_code == 405
    assert response.json()["type"] == "/problems/method-not-allowed"


def test_malformed_json_is_problem_json_400_naming_the_body(api):
    response = api(factories.platform_token()).post("/merchants", raw="{not json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "body", "message": "not valid JSON"}]


def test_validation_errors_name_each_field(api):
    response = api(factories.platform_token()).post("/merchants", {"code": "Bad Code!"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"code", "name"}


def test_body_over_the_size_limit_is_413(api, settings):
    big = '{"code": "m-big", "name": "' + "x" * 2_000_000 + '"}'
    response = api(factories.platform_token()).post("/merchants", raw=big)
    assert response.status_code == 413
    assert response.json()["limit_bytes"] == settings.AFTERSALES_MAX_REQUEST_BYTES


def test_a_missing_token_is_401_even_where_csrf_is_enforced():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/merchants", '{"code": "m-x", "name": "x"}', content_type="application/json"
    )
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_page_session_without_its_csrf_token_is_refused():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    user = factories.user("admin", username="ops-csrf")
    client.force_login(user)
    response = client.post(
        "/api/v1/merchants", '{"code": "m-y", "name": "y"}', content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_page_session_with_its_csrf_token_may_post():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(factories.user("admin", username="ops-csrf2"))
    client.get("/login/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/merchants",
        '{"code": "m-z", "name": "z"}',
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201
