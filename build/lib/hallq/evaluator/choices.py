"""The five 好差评 levels and the fixed reasons a bad review picks from.

Levels follow 国办发〔2019〕51号 / GB/T 39735-2020: 5 非常满意 … 1 非常不满意;
the bottom two are bad reviews (差评) and must carry a reason. The reasons are
the usual 差评 categories of provincial 好差评 platforms; "other" needs text.
"""
from __future__ import annotations

from hallq.protocol import BAD_LEVEL, is_bad  # noqa: F401  (choices.is_bad: the evaluator reads it here)
from hallq.queue.errors import Invalid

LEVELS: dict[int, tuple[str, str]] = {
    5: ("非常满意", "very satisfied"),
    4: ("满意", "satisfied"),
    3: ("基本满意", "basically satisfied"),
    2: ("不满意", "dissatisfied"),
    1: ("非常不满意", "very dissatisfied"),
}
BAD = BAD_LEVEL  # this level and below is a bad review (差评)
SATISFIED = 3  # this level and above counts as satisfied in the satisfaction rate
TOP = 5

REASONS: dict[str, tuple[str, str]] = {
    "attitude": ("服务态度差", "poor attitude"),
    "slow": ("办事效率低、等候时间长", "slow service, long wait"),
    "not_informed": ("未一次性告知、多次跑动", "not told everything at once, had to come back"),
    "procedure": ("办事流程繁琐、材料要求多", "cumbersome procedure, too many documents"),
    "policy": ("政策解释不清", "policy not explained clearly"),
    "fees": ("收费不合理", "unreasonable fees"),
    "misconduct": ("吃拿卡要、推诿刁难", "demanding favours, passing the buck"),
    "facilities": ("环境设施不便", "poor facilities"),
    "other": ("其他", "other"),
}
COMMENT_MAX = 500


def level_name(level: int, lang: str = "zh") -> str:
    return LEVELS[level][lang == "en"]


def reason_name(code: str, lang: str = "zh") -> str:
    return REASONS[code][lang == "en"]


def check(level: int, reasons: list[str], comment: str | None) -> tuple[list[str], str | None]:
    """Validated reasons (deduplicated, in order) and comment; a bad review must give a reason."""
    if level not in LEVELS:
        raise Invalid("rating_level_invalid", level=level)
    unknown = [r for r in reasons if r not in REASONS]
    if unknown:
        raise Invalid("rating_reason_unknown", reason=", ".join(map(str, unknown)))
    reasons = list(dict.fromkeys(reasons))
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > COMMENT_MAX:
        raise Invalid("invalid_input", detail=f"comment: at most {COMMENT_MAX} characters")
    if is_bad(level) and not reasons:
        raise Invalid("rating_reasons_required")
    if "other" in reasons and comment is None:
        raise Invalid("rating_other_needs_text")
    return reasons, comment
