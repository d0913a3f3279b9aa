"""The /api/v1 NinjaAPI: one auth, one error format, the contexts' routers."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from aftersales.accounts.api import router as accounts_router
from aftersales.accounts.auth import api_auth
from aftersales.cases.api import router as cases_router
from aftersales.cases.evidence_api import router as evidence_router
from aftersales.cases.refunds_api import router as case_refunds_router
from aftersales.cases.returns_api import router as returns_router
from aftersales.complaints.api import router as complaints_router
from aftersales.core.errors import DomainError, FieldError
from aftersales.core.problems import field_name, from_domain_error, problem_response
from aftersales.credit.api import router as credit_router
from aftersales.notify.api import inbox_router
from aftersales.notify.api import router as webhooks_router
from aftersales.orders.api import router as orders_router
from aftersales.policy.api import router as policy_router
from aftersales.refunds.api import router as refunds_router

logger = logging.getLogger("aftersales.api")

api = NinjaAPI(
    title="Aftersales API",
    version="1",
    description="After-sales service platform: orders, eligibility, cases, refunds, webhooks. "
    "Errors are application/problem+json (RFC 9457).",
    auth=api_auth,
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return from_domain_error(exc)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [FieldError(field_name(e.get("loc", ())), e.get("msg", "invalid")) for e in exc.errors]
    return problem_response(
        422,
        slug="invalid-input",
        title="Invalid input",
        detail="; ".join(f"{e.field}: {e.message}" for e in errors),
        errors=errors,
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem_response(
        401,
        slug="unauthenticated",
        title="Authentication required",
        detail="Send 'Authorization: Bearer <token>' with a valid, unrevoked token.",
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(AuthorizationError)
def on_forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return problem_response(403, slug="permission-denied", detail=str(exc))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja raises HttpError(400, "Cannot parse request body") for malformed JSON.
    detail = str(exc)
    if exc.status_code == 400 and "parse" in detail.lower():
        return problem_response(
            400,
            slug="malformed-body",
            title="Malformed request body",
            detail="The request body is not valid JSON.",
            errors=[FieldError("body", "not valid JSON")],
        )
    return problem_response(exc.status_code, detail=detail)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(404, slug="not-found", title="Not found", detail="No such resource.")


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled error on %s %s", request.method, request.path)
    return problem_response(500, detail="An unexpected error occurred; it has been logged.")


api.add_router("/", accounts_router)
api.add_router("/", orders_router)
api.add_router("/", policy_router)
api.add_router("/", evidence_router)
api.add_router("/", cases_router)
api.add_router("/", returns_router)
api.add_router("/", complaints_router)
api.add_router("/", webhooks_router)
api.add_router("/", inbox_router)
api.add_router("/", case_refunds_router)
api.add_router("/", refunds_router)
api.add_router("/", credit_router)
