"""Walk every API route as another tenant: nothing of tenant A may leak to anyone else.

Routes are read from the OpenAPI schema, so a new route is walked automatically; a route
whose path parameters or body this file cannot fill makes the test fail until it is taught
how that route reaches tenant A's data (add it to PATH_VALUES or BODIES below)."""

from __future__ import annotations

import json
import re

import pytest

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.config.api import api as ninja_api
from aftersales.core.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db

# Data only tenant A has: none of it may appear in a response to anyone else.
SECRET_TITLE = "甲店机密商品"
SECRET_BUYER_NAME = "欧阳娜娜"
SECRET_PHONE = "13900001111"


def tenant_a_order(merchant_code: str) -> dict:
    return {
        "external_id": "A-ORDER-1",
        "merchant": merchant_code,
        "buyer": {
            "external_id": "buyer-of-a",
            "name": SECRET_BUYER_NAME,
            "phone": SECRET_PHONE,
            "address": "上海市浦东新区世纪大道 100 号",
        },
        "currency": "CNY",
        "placed_at": "2026-03-01T10:00:00+08:00",
        "paid_at": "2026-03-01T10:01:00+08:00",
        "discount": "0.00",
        "shipping_fee": "0.00",
        "free_shipping": True,
        "freight_insurance": False,
        "lines": [
            {
                "line_id": "1",
                "sku": "SECRET-1",
                "title": SECRET_TITLE,
                "category": "electronics",
                "quantity": 1,
                "unit_price": "99.00",
                "discount": "0.00",
                "attributes": {},
                "confirmed_exclusions": [],
                "gifts": [],
            }
        ],
        "payments": [{"method": "card", "amount": "99.00", "paid_at": "2026-03-01T10:01:00+08:00"}],
        "shipments": [],
    }


@pytest.fixture
def tenant_a():
    from aftersales.cases.services import LineClaim, open_case
    from aftersales.orders.services import upsert_order

    merchant = factories.merchant("shop-a")
    order_json = tenant_a_order(merchant.code)
    order, _ = upsert_order(actor=SYSTEM_ACTOR, data=order_json)
    case = open_case(
        actor=SYSTEM_ACTOR,
        order=order.external_id,
        merchant=merchant.code,
        type="refund_only",
        reason="no_reason",
        lines=[LineClaim("1", 1)],
        description=SECRET_TITLE,
    )
    from aftersales.cases.models import Evidence

    evidence = Evidence.objects.create(
        case=case,
        merchant=merchant,
        uploaded_by_role="buyer",
        uploaded_by_label=SECRET_BUYER_NAME,
        kind="pdf",
        content_type="application/pdf",
        storage_key="evidence/none.pdf",
        size=1,
        sha256="0" * 64,
    )
    # A webhook endpoint of A with a delivery, and an inbox message of A's buyer.
    from aftersales.notify import delivery as notify_delivery
    from aftersales.notify import services as notify_services
    from aftersales.notify.models import InboxMessage

    endpoint, _ = notify_services.register_endpoint(
        actor=SYSTEM_ACTOR, url="http://127.0.0.1:9/hook", merchant=merchant.code
    )
    from aftersales.complaints.services import receive

    complaint, _ = receive(
        actor=factories_platform_actor(),
        customer="buyer-of-a",
        channel="hotline",
        text=SECRET_TITLE,
        order=order.external_id,
        merchant=merchant.code,
    )
    from aftersales.complaints.investigation import open_task
    from aftersales.complaints.mail import ingest

    task = open_task(
        complaint=complaint,
        actor=factories_platform_actor(),
        department="merchant",
        question=SECRET_TITLE,
    )
    email, _ = ingest(SECRET_TITLE.encode(), actor=factories_platform_actor(), source="endpoint")
    from aftersales.disputes import services as dispute_services

    dispute = dispute_services.open_dispute(
        actor=factories_platform_actor(),
        order=order.external_id,
        merchant=merchant.code,
        type="not_received",
        claim=SECRET_TITLE,
    )
    dispute = dispute_services.act(
        dispute=dispute,
        actor=factories_platform_actor(),
        action="accept",
    )
    dispute = dispute_services.act(
        dispute=dispute,
        actor=factories_platform_actor(),
        action="request_evidence",
        body=dispute_services.Body(party="merchant", items=["signed_proof"]),
    )
    notify_delivery.drain_outbox()
    return {
        "dispute": dispute,
        "evidence_request": dispute.requests.get(),
        "complaint": complaint,
        "task": task,
        "email": email,
        "merchant": merchant,
        "order": order,
        "order_json": order_json,
        "case": case,
        "evidence": evidence,
        "webhook": endpoint,
        "delivery": endpoint.deliveries.first(),
        "inbox": InboxMessage.objects.filter(buyer__external_id="buyer-of-a").first(),
        "pay_first": pay_first_of(merchant, order, case),
    }


def pay_first_of(merchant, order, case):
    """A pay-first on A's books (rows straight in: its case was refunded in full already)."""
    from aftersales.core import clock
    from aftersales.guarantee.models import Claim, PayFirst

    claim = Claim.objects.create(merchant=merchant, source="case", source_id=case.pk, amount=1)
    return PayFirst.objects.create(
        merchant=merchant,
        case=case,
        order=order,
        amount=1,
        reason=SECRET_TITLE,
        source="case",
        source_id=case.pk,
        claim=claim,
        created_by_label="specialist",
        created_by_role="specialist",
        contest_due_at=clock.now(),
    )


def factories_platform_actor():
    from aftersales.accounts.actors import PLATFORM_INTEGRATION, Actor

    return Actor(kind="token", role=PLATFORM_INTEGRATION, label="connector")


# How each path parameter names tenant A's data.
PATH_VALUES = {
    "code": lambda a: a["merchant"].code,
    "external_id": lambda a: a["order"].external_id,
    "case_id": lambda a: a["case"].pk,
    "action": lambda a: "approve",
    "evidence_id": lambda a: a["evidence"].pk,
    "shipment_id": lambda a: 1,  # behind the case: another tenant never reaches it
    "carrier": lambda a: "fake",  # the webhook: without the carrier's signature, 401
    "webhook_id": lambda a: a["webhook"].pk,
    "delivery_id": lambda a: a["delivery"].pk,
    "message_id": lambda a: a["inbox"].pk,
    "refund_id": lambda a: a["case"].refunds.get().pk,
    "provider": lambda a: "fake",
    "complaint_id": lambda a: a["complaint"].pk,
    "customer": lambda a: "buyer-of-a",
    "task_id": lambda a: a["task"].pk,
    "email_id": lambda a: a["email"].pk,
    # credit/: A's buyer, and appeal/review ids (the desk's only; 403 before any lookup).
    "buyer_id": lambda a: a["order"].buyer_id,
    "appeal_id": lambda a: 1,
    "review_id": lambda a: 1,
    "dispute_id": lambda a: a["dispute"].pk,
    "request_id": lambda a: a["evidence_request"].pk,
    "pay_first_id": lambda a: a["pay_first"].pk,
}

# For each write route: a body that aims at tenant A's data.
BODIES = {
    ("post", "/api/v1/merchants"): lambda a: {"code": "shop-a", "name": "抢注"},
    ("post", "/api/v1/orders"): lambda a: {**a["order_json"], "discount": "50.00"},
    ("post", "/api/v1/eligibility"): lambda a: {
        "order": a["order"].external_id,
        "merchant": a["merchant"].code,
        "line_id": "1",
        "quantity": 1,
        "type": "return_refund",
        "reason": "no_reason",
        "explain": True,
    },
    ("post", "/api/v1/cases"): lambda a: {
        "order": a["order"].external_id,
        "merchant": a["merchant"].code,
        "type": "repair",
        "reason": "quality_issue",
        "lines": [{"line_id": "1", "quantity": 1}],
    },
    ("post", "/api/v1/cases/{case_id}/actions/{action}"): lambda a: {"note": "taken over"},
    # JSON, not multipart: refused before the case is looked up (tests/cases/test_evidence.py
    # walks the real multipart upload as another tenant).
    ("post", "/api/v1/cases/{case_id}/evidence"): lambda a: {"note": "taken over"},
    ("post", "/api/v1/cases/{case_id}/return/pickup"): lambda a: {
        "carrier": "fake",
        "slot_start": "2030-01-01T10:00:00+08:00",
        "slot_end": "2030-01-01T12:00:00+08:00",
    },
    ("post", "/api/v1/cases/{case_id}/return/interception"): lambda a: {"note": "taken over"},
    ("post", "/api/v1/merchants/{code}/return-settings"): lambda a: {
        "contact_name": "抢注",
        "contact_phone": "13800000000",
        "address": "别处",
    },
    ("patch", "/api/v1/merchants/{code}/return-settings"): lambda a: {"address": "别处"},
    ("post", "/api/v1/carriers/{carrier}/events"): lambda a: {"events": []},
    ("post", "/api/v1/webhooks"): lambda a: {
        "url": "https://1.1.1.1/steal",
        "merchant": a["merchant"].code,
    },
    ("post", "/api/v1/webhooks/{webhook_id}/rotate-secret"): lambda a: {},
    ("post", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry"): lambda a: {},
    ("post", "/api/v1/inbox/{message_id}/read"): lambda a: {},
    ("post", "/api/v1/inbox/preferences"): lambda a: {"language": "en"},
    ("post", "/api/v1/refunds/{refund_id}/approve"): lambda a: {"note": "taken over"},
    ("post", "/api/v1/price-changes"): lambda a: {
        "merchant": a["merchant"].code,
        "sku": "SECRET-1",
        "price": "1.00",
        "effective_at": "2026-03-02T10:00:00+08:00",
    },
    # Unsigned (the caller's bearer token is no provider signature): refused, nothing moves.
    ("post", "/api/v1/refunds/providers/{provider}/webhook"): lambda a: {
        "id": "n-1",
        "idempotency_key": a["case"].refunds.get().idempotency_key,
        "status": "failed",
    },
    ("post", "/api/v1/complaints"): lambda a: {
        "customer": "buyer-of-a",
        "channel": "chat",
        "text": "joined",
        "order": a["order"].external_id,
        "merchant": a["merchant"].code,
    },
    ("post", "/api/v1/complaints/{complaint_id}/actions/{action}"): lambda a: {"note": "x"},
    ("post", "/api/v1/complaints/{complaint_id}/messages"): lambda a: {"text": "taken over"},
    ("post", "/api/v1/complaints/{complaint_id}/tasks"): lambda a: {
        "department": "merchant",
        "question": "taken over",
    },
    ("post", "/api/v1/complaints/{complaint_id}/tasks/{task_id}/answer"): lambda a: {
        "answer": "taken over"
    },
    # JSON, not multipart: refused before the complaint is looked up.
    ("post", "/api/v1/complaints/{complaint_id}/evidence"): lambda a: {"note": "taken over"},
    # Raw mail is a platform connector's: anyone else is refused before it is read.
    ("post", "/api/v1/inbound/email"): lambda a: {"text": "From: x@example.com"},
    ("post", "/api/v1/inbound/email/{email_id}/dismiss"): lambda a: {"note": "taken over"},
    ("post", "/api/v1/complaints/{complaint_id}/claim"): lambda a: {},
    ("post", "/api/v1/complaints/{complaint_id}/assign"): lambda a: {"assignee": None},
    ("post", "/api/v1/credit/appeals"): lambda a: {"penalty_id": 1, "reason": "taken over"},
    ("post", "/api/v1/credit/appeals/{appeal_id}/decision"): lambda a: {
        "outcome": "upheld",
        "note": "taken over",
    },
    ("post", "/api/v1/credit/flags"): lambda a: {"buyer": "buyer-of-a", "reason_code": "other"},
    ("post", "/api/v1/credit/reviews/{review_id}/decision"): lambda a: {
        "outcome": "clear",
        "note": "taken over",
    },
    ("post", "/api/v1/credit/months"): lambda a: {"month": "2026-03"},
    ("post", "/api/v1/disputes"): lambda a: {
        "order": a["order"].external_id,
        "merchant": a["merchant"].code,
        "type": "not_received",
        "claim": "taken over",
    },
    ("post", "/api/v1/disputes/{dispute_id}/actions/{action}"): lambda a: {"note": "x"},
    ("post", "/api/v1/disputes/{dispute_id}/evidence-requests"): lambda a: {
        "party": "buyer",
        "items": ["photos"],
    },
    ("post", "/api/v1/disputes/{dispute_id}/evidence-requests/{request_id}/evidence"): lambda a: {
        "items": [{"kind": "signed_proof"}]
    },
    ("post", "/api/v1/merchants/{code}/deposit/top-ups"): lambda a: {
        "amount": "1.00",
        "reference": "B-1",
    },
    ("post", "/api/v1/merchants/{code}/settlement/credits"): lambda a: {
        "order": a["order"].external_id,
        "amount": "1.00",
    },
    ("post", "/api/v1/pay-firsts/{pay_first_id}/contest"): lambda a: {"reason": "taken over"},
    ("post", "/api/v1/pay-firsts/{pay_first_id}/decision"): lambda a: {
        "uphold": True,
        "note": "taken over",
    },
}

# Routes about the caller's own settings: another tenant's caller succeeds with their own
# (nothing of A is named, read or written).
OWN_SETTINGS = {
    ("post", "/api/v1/inbox/preferences"),
    # The caller's own credit (a buyer's standing and report, a shop's credit).
    ("get", "/api/v1/credit/me"),
    ("get", "/api/v1/credit/me/report"),
    ("get", "/api/v1/credit/merchant"),
}


def writes_to(a: dict) -> tuple[int, ...]:
    """Every write the platform makes leaves a row in one of these logs, or a new case."""
    from aftersales.cases.models import Case, CaseEvent
    from aftersales.complaints.models import ComplaintEvent, ComplaintMessage
    from aftersales.disputes.models import Dispute, DisputeEvent
    from aftersales.guarantee.models import Movement, PayFirst
    from aftersales.refunds.models import PriceChange, RefundEvent

    merchant = a["merchant"].pk
    return (
        ComplaintEvent.objects.filter(merchant_id=merchant).count()
        + ComplaintMessage.objects.filter(merchant_id=merchant).count(),
        AuditEvent.objects.filter(merchant_id=merchant).count(),
        CaseEvent.objects.filter(merchant_id=merchant).count(),
        Case.objects.filter(merchant_id=merchant).count(),
        RefundEvent.objects.filter(merchant_id=merchant).count(),
        PriceChange.objects.filter(merchant_id=merchant).count(),
        DisputeEvent.objects.filter(merchant_id=merchant).count(),
        Dispute.objects.filter(merchant_id=merchant).count(),
        Movement.objects.filter(merchant_id=merchant).count(),
        PayFirst.objects.filter(merchant_id=merchant).exclude(contest_state="none").count(),
    )


def outsiders():
    """Everyone who is not tenant A: another merchant's integration and staff, a buyer of
    another shop."""
    other = factories.merchant("shop-b")
    return {
        "merchant token of B": factories.merchant_token(other),
        "staff of B": factories.user_token(factories.user("merchant_admin", merchant=other)),
        "staff user of B": factories.user_token(factories.user("merchant_staff", merchant=other)),
        "a buyer of B": factories.buyer_token(factories.buyer("buyer-of-b")),
    }


def operations():
    schema = ninja_api.get_openapi_schema(path_prefix="/api/v1")
    for path, methods in schema["paths"].items():
        for method in methods:
            yield method, path


def fill(path: str, a: dict) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        assert name in PATH_VALUES, f"teach the tenancy walk how {{{name}}} names tenant data"
        return str(PATH_VALUES[name](a))

    return re.sub(r"\{(\w+)\}", value, path)


def test_every_route_hides_tenant_a_from_everyone_else(tenant_a, api):
    tokens = outsiders()
    walked = 0
    for method, path in operations():
        url = fill(path, tenant_a)[len("/api/v1") :]
        for who, token in tokens.items():
            events_before = writes_to(tenant_a)
            client = api(token)
            if method == "get":
                response = client.get(url)
            elif method in {"post", "put", "patch"}:
                assert (method, path) in BODIES, (
                    f"teach the tenancy walk a body for {method} {path}"
                )
                body = BODIES[(method, path)](tenant_a)
                response = client.post(url, body)
            elif method == "delete":
                response = client.delete(url)
            else:
                raise AssertionError(f"unexpected method {method}")
            text = response.content.decode()
            for secret in (SECRET_TITLE, SECRET_BUYER_NAME, SECRET_PHONE):
                assert secret not in text, f"{who}: {method.upper()} {path} leaks {secret}"
            if (method, path) in OWN_SETTINGS and response.status_code == 200:
                pass
            elif method == "get" and "{" not in path and response.status_code == 200:
                # A list answers with the caller's own rows: none may be tenant A's.
                items = json.loads(text)["items"]
                assert not [i for i in items if i.get("merchant") == "shop-a"], (
                    f"{who}: GET {path} lists tenant A's rows"
                )
            else:
                assert response.status_code in {401, 403, 404, 409, 422}, (
                    f"{who}: {method.upper()} {path} → {response.status_code} {text[:300]}"
                )
                assert response["Content-Type"] == "application/problem+json"
                assert json.loads(text)["status"] == response.status_code
            assert writes_to(tenant_a) == events_before, (
                f"{who}: {method.upper()} {path} wrote to A"
            )
            walked += 1
    routes = list(operations())
    assert ("get", "/api/v1/orders/{external_id}") in routes  # the walk sees the real API
    assert walked == len(routes) * len(tokens)


def test_wrong_tenant_reads_are_404_not_403(tenant_a, api):
    other_merchant = outsiders()["merchant token of B"]
    response = api(other_merchant).get(f"/orders/{tenant_a['order'].external_id}")
    assert response.status_code == 404
