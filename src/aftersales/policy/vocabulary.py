"""The words of the contract: request types, reasons, conditions, reason codes, with the
messages a buyer reads in zh-Hans and en."""

from __future__ import annotations

REQUEST_TYPES = (
    "refund_only",
    "return_refund",
    "exchange",
    "repair",
    "reissue",
    "price_protection",
)
REASONS = (
    "no_reason",
    "quality_issue",
    "not_as_described",
    "damaged_in_transit",
    "wrong_item",
    "missing_parts",
    "counterfeit",
    "not_received",
    "price_drop",
)
# The seller's fault: the law's quality path (Q-01, 三包) rather than the no-reason path.
FAULT_REASONS = frozenset(
    {
        "quality_issue",
        "not_as_described",
        "damaged_in_transit",
        "wrong_item",
        "missing_parts",
        "counterfeit",
    }
)
CONDITIONS = ("unopened", "opened_intact", "seal_broken", "tags_removed", "used", "damaged")
CONFIRMABLE_EXCLUSIONS = ("hygiene_seal", "activation", "near_expiry_or_flawed")
STATUTORY_EXCLUSIONS = (
    "customized",
    "fresh_perishable",
    "digital_opened_or_downloaded",
    "newspaper_periodical",
)
CATEGORIES = (
    "apparel",
    "shoes_bags",
    "electronics",
    "appliances",
    "food",
    "fresh",
    "cosmetics",
    "books",
    "digital",
    "home",
    "toys",
    "customized",
    "other",
)
HOLIDAY_EXTENSION_MODES = ("off", "statutory_only", "all_rest_days")

# code → (zh-Hans, en). `{…}` fields are filled from the reason's parameters.
MESSAGES: dict[str, tuple[str, str]] = {
    "window_expired": (
        "已超过{window}期限（截至 {ends}）",
        "The {window_en} window ended at {ends}",
    ),
    "customized": (
        "定制商品不适用七天无理由退货",
        "Customised goods are excluded from no-reason returns",
    ),
    "fresh_perishable": (
        "鲜活易腐商品不适用七天无理由退货",
        "Fresh and perishable goods are excluded from no-reason returns",
    ),
    "digital_opened_or_downloaded": (
        "已拆封或已下载的数字化商品不适用七天无理由退货",
        "Digital goods that were unsealed or downloaded are excluded from no-reason returns",
    ),
    "newspaper_periodical": (
        "已交付的报纸、期刊不适用七天无理由退货",
        "Delivered newspapers and periodicals are excluded from no-reason returns",
    ),
    "confirmed_exclusion": (
        "您在购买时已确认该商品不适用七天无理由退货（{kind_zh}）",
        "You confirmed at purchase that this item is excluded from no-reason returns ({kind_en})",
    ),
    "not_intact": (
        "商品已不完好（{condition_zh}），不适用七天无理由退货",
        "The item is no longer in good condition ({condition_en}) for a no-reason return",
    ),
    "not_delivered": (
        "商品尚未签收，暂不能申请{type_zh}",
        "The item has not been delivered yet, so {type_en} is not possible",
    ),
    "quantity_exceeded": (
        "可申请数量为 {remaining}，已超出",
        "Only {remaining} can still be claimed for this line",
    ),
    "warranty_expired": ("已超出保修期（截至 {ends}）", "The warranty ended at {ends}"),
    "type_not_allowed": (
        "该情形不支持{type_zh}",
        "{type_en} is not available for this reason at this stage",
    ),
    "calendar_unknown": (
        "{year} 年的法定节假日安排尚未导入，暂无法判断期限",
        "The statutory holidays of {year} are not loaded yet, so the window cannot be judged",
    ),
}

TYPE_NAMES = {
    "refund_only": ("仅退款", "refund only"),
    "return_refund": ("退货退款", "return and refund"),
    "exchange": ("换货", "exchange"),
    "repair": ("维修", "repair"),
    "reissue": ("补发", "reissue"),
    "price_protection": ("价保", "price protection"),
}
CONDITION_NAMES = {
    "unopened": ("未拆封", "unopened"),
    "opened_intact": ("已拆封但完好", "opened, intact"),
    "seal_broken": ("一次性密封已拆", "one-time seal broken"),
    "tags_removed": ("吊牌已剪", "tags removed"),
    "used": ("已使用", "used"),
    "damaged": ("已损坏", "damaged"),
}
EXCLUSION_NAMES = {
    "hygiene_seal": (
        "拆封后影响人身安全、生命健康或商品质量",
        "unsealing affects health, safety or quality",
    ),
    "activation": ("一经激活或试用后价值贬损较大", "value drops sharply once activated or tried"),
    "near_expiry_or_flawed": (
        "临近保质期或有瑕疵，已在销售时告知",
        "near expiry or flawed, disclosed at sale",
    ),
}
WINDOW_NAMES = {
    "no_reason": ("七天无理由退货", "7-day no-reason return"),
    "quality_return": ("质量问题退货", "quality return"),
    "quality_exchange": ("质量问题换货", "quality exchange"),
    "price_protection": ("价格保护", "price protection"),
}
