"""Severity (一般 / 重要 / 重大 / 危机) from declared rules, with the named signals behind it.

Each rule names a signal and the severity it implies; the complaint takes the highest. Words
are found by tokenising with jieba (lexicon.py holds the word lists)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.conf import settings

from aftersales.complaints import lexicon
from aftersales.complaints.models import SEVERITIES


@dataclass(frozen=True)
class Rule:
    id: str
    signal: str
    severity: str
    summary: str


RULES: tuple[Rule, ...] = (
    Rule("SEV-01", "regulator", "major", "a regulator or consumer association is named"),
    Rule("SEV-02", "media", "crisis", "media exposure is threatened"),
    Rule("SEV-03", "lawyer", "major", "legal action is threatened"),
    Rule("SEV-04", "safety", "crisis", "a safety incident: fire, injury, poisoning"),
    Rule("SEV-05", "repeated_contacts", "important", "the customer contacted us again and again"),
    Rule("SEV-06", "amount_high", "important", "the order is worth a lot"),
    Rule("SEV-07", "amount_very_high", "major", "the order is worth very much"),
    Rule("SEV-08", "emotion_strong", "important", "the customer is very upset"),
)
RULE_OF = {r.signal: r for r in RULES}
RANK = {s: i for i, s in enumerate(SEVERITIES)}

_jieba_lock = threading.Lock()


@cache
def _tokenizer():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    with _jieba_lock:
        tk = jieba.Tokenizer()
        for words in lexicon.SIGNAL_WORDS.values():
            for w in words:
                tk.add_word(w)
        for w in lexicon.EMOTION_WORDS:
            tk.add_word(w)
    return tk


def tokens(text: str) -> list[str]:
    return [t.strip().lower() for t in _tokenizer().lcut(text) if t.strip()]


def emotion_score(text: str) -> int:
    found = tokens(text)
    return sum(lexicon.EMOTION_WORDS.get(t, 0) for t in found) + (
        (text.count("!") + text.count("！")) // 2
    )


def max_severity(*severities: str) -> str:
    return max(severities, key=RANK.__getitem__)


def assess(text: str, *, contacts: int, order_total: Decimal | None) -> tuple[str, list, int]:
    """(severity, signals, emotion) for everything the customer said. `contacts`: their
    inbound contacts in the repeat window, this one included."""
    found = set(tokens(text))
    signals = []
    for signal, words in lexicon.SIGNAL_WORDS.items():
        hits = sorted({w for w in words if w.lower() in found})
        if hits:
            signals.append(_signal(signal, words=hits))
    if contacts >= settings.AFTERSALES_COMPLAINT_REPEAT_CONTACTS:
        signals.append(_signal("repeated_contacts", contacts=contacts))
    if order_total is not None:
        if order_total >= Decimal(settings.AFTERSALES_COMPLAINT_AMOUNT_VERY_HIGH):
            signals.append(_signal("amount_very_high", amount=f"{order_total:.2f}"))
        elif order_total >= Decimal(settings.AFTERSALES_COMPLAINT_AMOUNT_HIGH):
            signals.append(_signal("amount_high", amount=f"{order_total:.2f}"))
    emotion = emotion_score(text)
    if emotion >= lexicon.EMOTION_STRONG:
        signals.append(_signal("emotion_strong", score=emotion))
    severity = max_severity("general", *(s["severity"] for s in signals))
    return severity, signals, emotion


def _signal(name: str, **detail) -> dict:
    rule = RULE_OF[name]
    return {"signal": name, "rule": rule.id, "severity": rule.severity, **detail}
