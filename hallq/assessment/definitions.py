"""The definitions a scorecard states (DOMAIN.md: every report states the
definitions it used), filled in with the scheme's own settings."""
from __future__ import annotations

from hallq.assessment.scheme import Scheme

LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


def _pct(x: float) -> str:
    return f"{x * 100:g}%"


_UNITS_ZH = {
    "average": ("部门得分 = 所辖窗口得分的平均数（综合窗口计入当班工作人员所属部门），再加减直接记到部门的督查记录；"
                "督查记录计入所列的窗口、工作人员及其部门。"),
    "own": "部门的成绩按其全部窗口和工作人员的事实合并计算；督查记录计入所列的窗口、工作人员及其部门。",
    "none": "本办法不考核部门。",
}
_UNITS_EN = {
    "average": ("A department scores the average of its windows' scores (a comprehensive window counts for the "
                "department of the staff on duty), plus or minus the records naming the department itself."),
    "own": ("A department is scored on the facts of all its windows and staff; a supervisor's record counts "
            "for the window, staff member and department it names."),
    "none": "The scheme does not assess departments.",
}


def _minimum_zh(s) -> str:
    return ("本月既无考勤又无办件的不参加考核"
            + (f"；出勤不足{s.min_attended_days}天或办件不足{s.min_tickets_served}件的也不参加考核（不评等次、不排名、不占名额）"
               if s.min_attended_days or s.min_tickets_served else "") + "。")


def _minimum_en(s) -> str:
    return (" A unit with neither attendance nor work in the month is not assessed"
            + (f"; nor is one with fewer than {s.min_attended_days} days signed in or {s.min_tickets_served} "
               "tickets served (no grade, rank or quota place)" if s.min_attended_days or s.min_tickets_served else "")
            + ".")


# What each definition is about, as the card page and the XLSX name it (never its key): (Chinese, English).
LABELS = {
    "scheme": ("考核办法", "Scheme"), "satisfaction_rate": ("满意率", "Satisfaction rate"),
    "days_late": ("超期天数", "Days late"), "faster": ("提前办结", "Finished faster"),
    "repeat_visit": ("补办往返", "Returns after a supplement"), "attendance": ("考勤", "Attendance"),
    "caps": ("封顶与扣完为止", "Caps and floors"), "ranks": ("排名", "Ranks"), "quotas": ("名额", "Quotas"),
    "units": ("参评对象", "Who is assessed"), "tickets_served": ("办件量", "Tickets served"),
    "ratings_month": ("评价所属月份", "Month of a rating"), "unrated": ("未评价的办件", "Unrated tickets"),
    "promised_case": ("承诺件", "Promised cases"), "one_time_notice": ("一次性告知", "One-time notice"),
    "on_duty": ("责任人", "Who answers"),
    "to_immediate": ("承诺件改为即办件", "Promised items made immediate"),
}


def label(key: str, en: bool = False) -> str:
    """A definition's name; its key where none is written (a definition added without its label)."""
    names = LABELS.get(key)
    return names[1 if en else 0] if names else key


def definitions(scheme: Scheme) -> dict[str, str]:
    s = scheme.settings
    bands = []
    for leaf in scheme.leaves():
        if leaf.kind == "satisfaction":
            bands = [f"{_pct(b.min_rate)}起{b.points:g}分" for b in leaf.bands]
    out = {
        "scheme": f"{scheme.name}（{scheme.source}）" if scheme.source else scheme.name,
        "satisfaction_rate": (
            f"满意率 = {LEVELS[s.satisfied_from_level]}及以上的评价数 ÷ 计入的评价总数；"
            "经申诉复核认定为误评或恶意差评的不计入。"
            + (f"评分档次：{'；'.join(bands)}。" if bands else "")
            + ("当月没有计入的评价时按满分计，并标注“无评价”。" if s.no_ratings_full
               else "当月没有计入的评价时按最低档计，并标注“无评价”。")),
        "days_late": ("承诺件超期天数 = 从承诺办结日的次日起至实际办结日（含）的工作日数，"
                      "按国家法定节假日及调休安排计算；仍未办结的算到今天（已结束的月份算到月末）；每月只计落在本月的超期工作日。"
                      + ("按件计的超期（每件扣分）：一件只在它开始超期的那个月计一次。"
                         if any(r.source == "case.overdue" for r in scheme.rules()) else "")),
        "faster": ("提速比例 = 1 − 实际用时 ÷ 承诺时限；实际用时为受理次日至办结日（含）的工作日数；"
                   "在本月按时办结的承诺件计入。"),
        "repeat_visit": f"补办后同一事项往返{s.repeat_min_returns}次及以上、且首次未一次性告知的，每件计一次。",
        "attendance": (
            f"迟到 = 开始办公（含午休后）之后{'超过' + format(s.late_grace_minutes, 'g') + '分钟' if s.late_grace_minutes else ''}才签到；"
            "早退 = 下班（含午休前）之前签退；"
            f"无人值守 = 办公时间内窗口无人签到，或暂停服务且理由不在允许之列，连续超过{s.unattended_minutes:g}分钟"
            "（迟到前、早退后的空档只计迟到或早退）。每个办公时段结束后才判定；"
            "大厅、窗口或工作人员启用 hallq 之前的日子不计。"
            "获批的请假期间不计本人迟到、早退、离岗或旷工；无人顶岗超过上述分钟数的，仍计窗口无人值守。"
            "旷工 = 窗口A岗人员在工作日的一个办公时段（半天）内未在任何窗口签到，又没有获批的请假（每半天计一次）；"
            "B岗人员只在顶岗时考勤，不计旷工。"
            + (f"允许的暂停理由：{'、'.join(s.allowed_pause_reasons)}。" if s.allowed_pause_reasons
               else "暂停服务均不视为允许的理由。")),
        "caps": "每一小项、每一大项封顶于满分、扣完为止（加满封顶、扣完为止）"
                + "".join(f"；{c.name}最多{c.max:g}分" for c in scheme.categories if c.kind == "bonus" and c.max is not None)
                + (f"；总分最多{scheme.max_total:g}分" if scheme.max_total is not None else "") + "。",
        "ranks": "排名依次按" + "、".join({"score": "得分", "satisfaction_rate": "满意率（无评价者在后）",
                                           "tickets_served": "办件量（办结的号）",
                                           "number": "窗口号或工号（小者在前）"}[k] for k in s.rank_by)
                 + "比较；全部相同的并列同一名次。",
        "quotas": ("名额 = 参评数 × 比例，向下取整，有人符合条件时至少1名；先满足分数门槛；"
                   "并列者同进同出，名额不足以容纳并列者时都不入选（第一名并列除外）。"),
        "units": _UNITS_ZH[s.department_score] + _minimum_zh(s),
    }
    if any(r.source == "item.to_immediate" for r in scheme.rules()):
        out["to_immediate"] = ("承诺件改为即办件：按事项计。管理后台把事项的承诺时限由若干工作日改为0（即办）的，"
                               "按当月该事项最后一次修改计一次，记在事项所属部门编号最小的窗口；证据为该修改记录。")
    return out


LEVELS_EN = {5: "very satisfied", 4: "satisfied", 3: "basically satisfied", 2: "dissatisfied", 1: "very dissatisfied"}
RANK_KEYS_EN = {"score": "score", "satisfaction_rate": "satisfaction rate (no ratings last)",
                "tickets_served": "tickets served", "number": "window or staff number (lower first)"}


def definitions_en(scheme: Scheme) -> dict[str, str]:
    """`definitions` in English, for the pages in English (same keys)."""
    s = scheme.settings
    bands = []
    for leaf in scheme.leaves():
        if leaf.kind == "satisfaction":
            bands = [f"from {_pct(b.min_rate)}: {b.points:g} points" for b in leaf.bands]
    name = scheme.name_en or scheme.name
    return {
        "scheme": f"{name} ({scheme.source})" if scheme.source else name,
        "satisfaction_rate": (
            f"Satisfaction rate = ratings of {LEVELS_EN[s.satisfied_from_level]} or better ÷ all counted ratings; "
            "bad reviews ruled mistaken or malicious on appeal are not counted. "
            + (f"Bands: {'; '.join(bands)}. " if bands else "")
            + ("A month without counted ratings scores full points, flagged \"no ratings\"." if s.no_ratings_full
               else "A month without counted ratings scores the lowest band, flagged \"no ratings\".")),
        "days_late": ("Days late for a promised case = working days from the day after the due date to the day it "
                      "was finished, inclusive, on the official calendar with make-up workdays; a case still open "
                      "counts to today (to month end for a month that has ended); a month counts only its own days "
                      "late."
                      + (" Where a line counts late cases, a case counts once, in the month its lateness starts."
                         if any(r.source == "case.overdue" for r in scheme.rules()) else "")),
        "faster": ("Share faster = 1 − days used ÷ days promised; days used are working days from the day after "
                   "acceptance to completion, inclusive; cases finished on time in the month count."),
        "repeat_visit": (f"A supplementary case whose citizen came back {s.repeat_min_returns} or more times for the "
                         "same item without a one-time notice counts once."),
        "attendance": (
            "Late = signed in after opening (or after the lunch break)"
            + (f" by more than {s.late_grace_minutes:g} minutes" if s.late_grace_minutes else "") + "; "
            "left early = signed out before closing (or before the break); "
            f"unattended = nobody signed in, or paused for a reason not allowed, for more than "
            f"{s.unattended_minutes:g} minutes of opening hours (gaps before a late arrival or after an early "
            "leave count only as those). Each opening session is judged once it has ended; days before the "
            "hall, the window or the staff member went live in hallq count for nothing. "
            "Approved leave never counts against the person (late, early, away or absent); a window left without "
            "a stand-in beyond those minutes is still unattended. Absent (旷工) = an A-post holder signed in at no "
            "window for an opening session (half a day) of a working day without approved leave, once per half "
            "day; B-post staff are in attendance only while standing in. "
            + (f"Allowed pause reasons: {', '.join(s.allowed_pause_reasons)}." if s.allowed_pause_reasons
               else "No pause reason is allowed.")),
        "caps": "Every item and category is capped at its maximum and floored at zero"
                + "".join(f"; {c.name_en or c.name} at most {c.max:g} points" for c in scheme.categories
                          if c.kind == "bonus" and c.max is not None)
                + (f"; the total at most {scheme.max_total:g}" if scheme.max_total is not None else "") + ".",
        "ranks": "Ranked by " + ", then ".join(RANK_KEYS_EN[k] for k in s.rank_by)
                 + "; equal on all of them shares the rank.",
        "quotas": ("Quota = those assessed × the share, rounded down, at least one when anyone qualifies; score "
                   "floors apply first; tied units go in or out together, and none goes in when the quota cannot "
                   "hold the tie (except a tie for first)."),
        "units": _UNITS_EN[s.department_score] + _minimum_en(s),
        **({"to_immediate": ("Promised items made immediate count per item: an admin change setting an item's "
                             "promised time from some working days to 0 (on the spot) counts once, by the item's "
                             "last change in the month, for its department's lowest-numbered window; the change is "
                             "the evidence.")}
           if any(r.source == "item.to_immediate" for r in scheme.rules()) else {}),
    }
