"""URL wiring: the API under /api/v1, the admin, and the portal pages."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from aftersales.config.api import api
from aftersales.web import (
    buyer,
    buyer_complaints,
    credit,
    desk,
    desk_complaints,
    desk_mail,
    desk_policy,
    desk_risk,
    disputes,
    guarantee,
    merchant,
    merchant_settings,
)

buyer_urls = (
    [
        path("", buyer.cases, name="cases"),
        path("disputes/", disputes.mine, name="disputes"),
        path("disputes/<int:dispute_id>/", disputes.page, name="dispute"),
        path(
            "disputes/<int:dispute_id>/actions/<str:action>/",
            disputes.act,
            name="dispute_act",
        ),
        path(
            "disputes/<int:dispute_id>/requests/<int:request_id>/evidence/",
            disputes.give_evidence,
            name="dispute_evidence",
        ),
        path("orders/", buyer.orders, name="orders"),
        path("orders/<int:order_id>/request/", buyer.new_request, name="request"),
        path("orders/<int:order_id>/eligibility/", buyer.eligibility, name="eligibility"),
        path("cases/<int:case_id>/", buyer.case, name="case"),
        path("cases/<int:case_id>/actions/<str:action>/", buyer.act, name="act"),
        path("cases/<int:case_id>/return/pickup/", buyer.book_pickup, name="pickup"),
        path("complaints/", buyer_complaints.complaints, name="complaints"),
        path("complaints/<int:complaint_id>/", buyer_complaints.complaint, name="complaint"),
        path(
            "complaints/<int:complaint_id>/reply/",
            buyer_complaints.reply,
            name="complaint_reply",
        ),
        path(
            "complaints/<int:complaint_id>/actions/<str:action>/",
            buyer_complaints.act,
            name="complaint_act",
        ),
        path("credit/", credit.buyer_credit, name="credit"),
        path("credit/report/", credit.buyer_report, name="credit_report"),
        path("credit/penalties/<int:penalty_id>/appeal/", credit.buyer_appeal, name="appeal"),
    ],
    "buyer",
)
merchant_urls = (
    [
        path("", merchant.queue, name="queue"),
        path("disputes/", disputes.mine, name="disputes"),
        path("disputes/<int:dispute_id>/", disputes.page, name="dispute"),
        path(
            "disputes/<int:dispute_id>/actions/<str:action>/",
            disputes.act,
            name="dispute_act",
        ),
        path(
            "disputes/<int:dispute_id>/requests/<int:request_id>/evidence/",
            disputes.give_evidence,
            name="dispute_evidence",
        ),
        path("bulk-approve/", merchant.bulk_approve, name="bulk_approve"),
        path("cases/<int:case_id>/", merchant.case, name="case"),
        path("cases/<int:case_id>/actions/<str:action>/", merchant.act, name="act"),
        path("cases/<int:case_id>/return/inspection/", merchant.inspect, name="inspect"),
        path("cases/<int:case_id>/return/interception/", merchant.intercept, name="intercept"),
        path("metrics/", merchant.metrics, name="metrics"),
        path("credit/", credit.merchant_credit, name="credit"),
        path(
            "credit/restrictions/<int:restriction_id>/appeal/",
            credit.merchant_appeal,
            name="credit_appeal",
        ),
        path("settings/", merchant_settings.settings_page, name="settings"),
        path(
            "settings/return-address/", merchant_settings.return_settings, name="settings_address"
        ),
        path("settings/approval/", merchant_settings.approval, name="settings_approval"),
        path("settings/rules/", merchant_settings.rules, name="settings_rules"),
        path("settings/staff/", merchant_settings.add_staff, name="settings_staff"),
        path(
            "settings/staff/<int:user_id>/deactivate/",
            merchant_settings.deactivate_staff,
            name="settings_deactivate",
        ),
        path("deposit/", guarantee.deposit, name="deposit"),
        path("pay-firsts/<int:pay_first_id>/contest/", guarantee.contest, name="contest"),
    ],
    "merchant",
)
desk_urls = (
    [
        path("", desk.queue, name="queue"),
        path("disputes/", disputes.queue, name="disputes"),
        path("disputes/<int:dispute_id>/", disputes.page, name="dispute"),
        path(
            "disputes/<int:dispute_id>/actions/<str:action>/",
            disputes.act,
            name="dispute_act",
        ),
        path("cases/<int:case_id>/", desk.case, name="case"),
        path("cases/<int:case_id>/actions/<str:action>/", desk.act, name="act"),
        path("policy/", desk_policy.policy_page, name="policy"),
        path("policy/draft/", desk_policy.policy_draft, name="policy_draft"),
        path("calendar/", desk_policy.calendar_page, name="calendar"),
        path("calendar/day/", desk_policy.calendar_day, name="calendar_day"),
        path("complaints/", desk_complaints.queue, name="complaints"),
        path("complaints/<int:complaint_id>/", desk_complaints.complaint, name="complaint"),
        path("complaints/<int:complaint_id>/claim/", desk_complaints.claim, name="complaint_claim"),
        path(
            "complaints/<int:complaint_id>/assign/",
            desk_complaints.assign,
            name="complaint_assign",
        ),
        path("complaints/<int:complaint_id>/reply/", desk_complaints.reply, name="complaint_reply"),
        path(
            "complaints/<int:complaint_id>/actions/<str:action>/",
            desk_complaints.act,
            name="complaint_act",
        ),
        path("mail/unparsed/", desk_mail.unparsed, name="unparsed_mail"),
        path("mail/<int:email_id>/raw/", desk_mail.raw, name="unparsed_mail_raw"),
        path("mail/<int:email_id>/dismiss/", desk_mail.dismiss, name="unparsed_mail_dismiss"),
        path("reports/sla/", desk_complaints.sla_breaches, name="sla_breaches"),
        path("risk/", desk_risk.queue, name="risk_queue"),
        path("risk/<int:assessment_id>/", desk_risk.detail, name="risk_case"),
        path("risk/<int:assessment_id>/review/", desk_risk.decide, name="risk_review"),
        path("credit/", credit.desk_appeals, name="credit"),
        path("credit/appeals/<int:appeal_id>/decision/", credit.desk_decide, name="credit_decide"),
        path("credit/reviews/<int:review_id>/decision/", credit.desk_review, name="credit_review"),
        path("pay-first-contests/", guarantee.contests, name="contests"),
        path(
            "pay-first-contests/<int:pay_first_id>/decision/",
            guarantee.decide,
            name="decide_contest",
        ),
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
