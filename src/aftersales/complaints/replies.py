"""Reply templates for the desk, as data, in zh-Hans and en. Written as the service standards
ask (the seeds' 共情 first): acknowledge the feeling, explain clearly, say what happens next
and by when. Placeholders are filled from the complaint; an agent edits the text before
sending — a template is a start, never a reply sent unread.

Placeholders: {customer} (the masked name), {agent}, {complaint} (its number), {order},
{due} (the earliest running SLA target, local time), {resolution_due}."""

from __future__ import annotations

import string
from dataclasses import dataclass

from aftersales.core.clock import localtime


@dataclass(frozen=True)
class ReplyTemplate:
    key: str
    title: dict[str, str]
    body: dict[str, str]


TEMPLATES: tuple[ReplyTemplate, ...] = (
    ReplyTemplate(
        "received",
        {"zh-Hans": "收到投诉，致歉并说明下一步", "en": "Received: apologise, say what is next"},
        {
            "zh-Hans": "{customer}您好，我是客服{agent}。收到您的反馈了，遇到这样的情况，"
            "换作是我也会很着急，真的很抱歉给您添了麻烦。您的投诉已登记（编号 {complaint}），"
            "由我全程跟进。接下来我会先核实订单 {order} 的商品和物流情况，"
            "最晚在 {due} 前给您明确的答复。",
            "en": "Hello {customer}, this is {agent} from customer service. Thank you for "
            "telling us — I understand how frustrating this must be, and I am sorry for the "
            "trouble. Your complaint is registered (no. {complaint}) and I will follow it "
            "myself from here. Next I will check the goods and the delivery of order {order}, "
            "and you will have a clear answer from me by {due} at the latest.",
        },
    ),
    ReplyTemplate(
        "ask_information",
        {"zh-Hans": "请客户补充信息", "en": "Ask the customer for information"},
        {
            "zh-Hans": "{customer}您好，理解您希望尽快解决，我们也一样。为了不让您来回解释，"
            "麻烦您补充一下：商品问题部位的照片、外包装的照片，以及问题是什么时候出现的。"
            "收到后我会马上处理，并在 {due} 前告诉您处理方案。",
            "en": "Hello {customer}, I understand you want this settled quickly, and so do we. "
            "So that you do not have to explain it again, could you send us photos of the "
            "problem and of the packaging, and tell us when it started? As soon as they "
            "arrive I will take it up, and I will tell you the solution by {due}.",
        },
    ),
    ReplyTemplate(
        "progress",
        {"zh-Hans": "进度更新", "en": "Progress update"},
        {
            "zh-Hans": "{customer}您好，让您久等了。您的投诉（编号 {complaint}）我们一直在跟进："
            "目前正在和相关部门核实原因。这一步完成后我会第一时间联系您，"
            "最晚不超过 {due}。如有任何新的情况，也欢迎随时告诉我。",
            "en": "Hello {customer}, thank you for your patience. We are still on your "
            "complaint (no. {complaint}): we are now checking the cause with the department "
            "concerned. I will contact you as soon as that is done, and no later than {due}. "
            "If anything changes on your side, please tell me at any time.",
        },
    ),
    ReplyTemplate(
        "solution",
        {"zh-Hans": "提出解决方案", "en": "Offer a solution"},
        {
            "zh-Hans": "{customer}您好，非常理解这次经历让您很不愉快。"
            "经过核实，我们为您提供以下方案："
            "【请填写方案】。如果您同意，我们会立即执行，并在 {resolution_due} 前完成。"
            "如果您有其他想法，也请直接告诉我，我们一起商量。",
            "en": "Hello {customer}, I fully understand this has been an unpleasant experience. "
            "Having checked, we would like to offer you: [describe the solution]. If you "
            "agree, we will carry it out at once and finish by {resolution_due}. If you would "
            "prefer something else, please tell me and we will work it out together.",
        },
    ),
    ReplyTemplate(
        "late",
        {"zh-Hans": "回复晚了，致歉", "en": "We are late: apologise"},
        {
            "zh-Hans": "{customer}您好，很抱歉没能在承诺的时间内回复您，"
            "让您等待了，这是我们的问题。"
            "您的投诉（编号 {complaint}）现在已由我优先处理，我会在 {due} 前给您答复。",
            "en": "Hello {customer}, I am sorry we did not answer within the time we promised "
            "and kept you waiting — that is on us. Your complaint (no. {complaint}) now has "
            "my priority, and you will have my answer by {due}.",
        },
    ),
    ReplyTemplate(
        "confirm",
        {"zh-Hans": "请客户确认结果", "en": "Ask the customer to confirm"},
        {
            "zh-Hans": "{customer}您好，方案已经执行完毕。麻烦您确认一下问题是否已经解决；"
            "如果还有任何不满意的地方，请直接回复我，我会继续跟进到您满意为止。",
            "en": "Hello {customer}, the solution has been carried out. Could you confirm "
            "whether the problem is solved? If anything is still not right, just reply to "
            "me and I will stay on it until it is.",
        },
    ),
)

BY_KEY = {t.key: t for t in TEMPLATES}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"  # an unknown placeholder stays visible for the agent to fill


def _language(language: str) -> str:
    return "en" if (language or "").lower().startswith("en") else "zh-Hans"


def _at(value) -> str:
    return f"{localtime(value):%Y-%m-%d %H:%M}" if value else "—"


def placeholders(complaint, agent_label: str) -> dict[str, str]:
    return {
        "customer": complaint.buyer.masked_name if complaint.buyer_id else "",
        "agent": agent_label,
        "complaint": str(complaint.pk),
        "order": complaint.order.external_id if complaint.order_id else "—",
        "due": _at(complaint.sla_due_at or complaint.resolution_due_at),
        "resolution_due": _at(complaint.resolution_due_at),
    }


def render(key: str, language: str, complaint, *, agent_label: str) -> str:
    """The template's text in the language, its placeholders filled; "" for an unknown key."""
    template = BY_KEY.get(key)
    if template is None:
        return ""
    text = template.body[_language(language)]
    return string.Formatter().vformat(text, (), _Blank(placeholders(complaint, agent_label)))


def choices(language: str) -> list[tuple[str, str]]:
    lang = _language(language)
    return [(t.key, t.title[lang]) for t in TEMPLATES]
