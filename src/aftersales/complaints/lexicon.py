"""The word lists the severity rules read, as data: a signal → the words that raise it. The
words are matched against jieba tokens (each is added to jieba's dictionary, so a phrase like
市场监管局 stays one token). Extend here; the rules in severity.py name the signals."""

from __future__ import annotations

SIGNAL_WORDS: dict[str, tuple[str, ...]] = {
    # A regulator or consumer association named: 12315 / 市场监管 / 消协.
    "regulator": (
        "12315",
        "12345",
        "市场监管局",
        "市场监督管理局",
        "工商局",
        "消协",
        "消费者协会",
        "监管部门",
        "投诉到工商",
        "regulator",
    ),
    "media": (
        "媒体",
        "记者",
        "曝光",
        "微博",
        "抖音",
        "小红书",
        "电视台",
        "上新闻",
        "热搜",
        "media",
        "journalist",
    ),
    "lawyer": ("律师", "起诉", "法院", "诉讼", "律师函", "法律途径", "lawyer", "sue", "court"),
    "safety": (
        "起火",
        "着火",
        "爆炸",
        "冒烟",
        "漏电",
        "触电",
        "受伤",
        "烫伤",
        "烧伤",
        "中毒",
        "过敏",
        "住院",
        "划伤",
        "fire",
        "explode",
        "injured",
        "poisoning",
    ),
}

# A simple emotion lexicon: word → weight. The score is the sum over the tokens, plus one per
# two exclamation marks; EMOTION_STRONG and above is a signal.
EMOTION_WORDS: dict[str, int] = {
    "生气": 1,
    "失望": 1,
    "不满": 1,
    "无语": 1,
    "差评": 1,
    "太差": 2,
    "愤怒": 2,
    "气死": 2,
    "恶心": 2,
    "垃圾": 2,
    "骗子": 3,
    "欺诈": 3,
    "忍无可忍": 3,
    "angry": 2,
    "furious": 3,
    "scam": 3,
    "terrible": 2,
}
EMOTION_STRONG = 3
