"""The supervisors' pages in English: what the engine and the schemes say in Chinese,
said in English for a page (the API and the exports keep the Chinese).

- Names from a scheme (categories, items, grades, honours, flags) come from the
  preset's `name_en` / `title_en` / `message_en` fields, the Chinese when a
  scheme has none: nothing of a scheme is translated here.
- Lines the engine writes (evidence details, item details, flags) are matched
  against the wordings in engine.py and rewritten; a line that matches none is
  shown as it is. The patterns and engine.py change together
  (tests/assessment/web/test_pages.py reads an English card end to end).
- What people entered (a record's evidence, names of windows, staff and
  departments) stays as entered.

    words = Words("en", plan)
    body = words.body(result.to_dict("window"), "window")   # a copy, in English
"""
from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from typing import Any

from hallq.assessment.facts import Scope
from hallq.assessment.scheme import Scheme

RECORD_KINDS_EN = {"inspection_finding": "inspection finding", "verified_complaint": "verified complaint",
                   "praise_letter": "praise letter", "media_mention": "media mention", "misconduct": "misconduct",
                   "other": "other"}
RECORD_KIND_ZH = {"督查发现": "inspection_finding", "投诉查实": "verified_complaint", "表扬信": "praise_letter",
                  "媒体报道": "media_mention", "违纪行为": "misconduct", "其他": "other"}
NOT_ASSESSED_EN = {
    "本月无考勤、无办件，不参加考核": "Not assessed: no attendance and no cases this month",
    "B岗人员只参加顶岗时的考勤，不参加考核": "Not assessed: B-post staff are in attendance only while standing in",
    "本部门窗口和人员本月无考勤、无办件，不参加考核": "Not assessed: none of its windows or staff attended or worked",
    "本部门本月没有参加考核的窗口，不参加考核": "Not assessed: none of its windows was assessed this month",
    "本考核办法不考核部门": "Not assessed: the scheme does not assess departments",
}
# Lines the department scoring writes (departments.py), keyed like scheme lines.
GENERATED_NAMES_EN = {"windows_average": "Average of its windows", "department_records": "The department's own records"}
INCIDENTS_EN = {"迟到": "Late", "早退": "Left early", "无人值守": "Unattended", "旷工": "Absent"}
SCOPE_NAMES_EN = {"window": "Windows", "department": "Departments", "staff": "Staff"}
EVIDENCE_NAMES_EN = {"ticket": "Ticket", "rating": "Rating", "session": "Sign-in", "pause": "Pause",
                     "record": "Record", "window": "Window", "staff": "Staff member", "item_change": "Item change",
                     "dual_target": "双目标 finding"}
OUTCOME_NAMES_EN = {"immediate": "immediate", "promised": "promised", "joint": "joint", "supplement": "supplementary",
                    "forwarded": "forwarded", "rejected": "reply (rejected)"}
EVENT_NAMES_EN = {"issued": "issued", "called": "called", "recalled": "recalled", "skipped": "no-show",
                  "held": "held", "transferred": "transferred", "finished": "finished", "requeued": "requeued",
                  "expired": "expired"}
DECISION_NAMES_EN = {"upheld": "upheld", "removed": "item removed", "changed": "changed to"}

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _rules(words: "Words") -> list[Rule]:
    """The engine's wordings (engine.py, _occurrences and friends) and their English."""
    def r(pattern: str, make: Callable[[re.Match[str]], str]) -> Rule:
        return re.compile(f"^{pattern}$", re.S), make

    return [
        r(r"承诺(\d+)个工作日，应于(\S+?)前办结，(?:月末未办结|截至(\S+?)未办结|(\S+?)办结)，本月超期(\d+)个工作日",
          lambda m: (f"promised in {m[1]} working days, due by {m[2]}; "
                     + (f"finished {m[4]}" if m[4] else f"still open on {m[3]}" if m[3] else "still open at month end")
                     + f"; {m[5]} working day{'s' if m[5] != '1' else ''} late this month")),
        r(r"承诺(\d+)个工作日，实际用(\d+)个工作日，缩短(\d+)%",
          lambda m: f"promised in {m[1]} working days, took {m[2]}: {m[3]}% faster"),
        r(r"补办后往返(\d+)次（取号 (.*)），未一次性告知",
          lambda m: f"came back {m[1]} times after a supplement (tickets {m[2]}); no one-time notice"),
        r(r"(\d)级，号 (.+)", lambda m: f"level {m[1]}, ticket {m[2]}"),
        r(r"(\d)级（未达满意）", lambda m: f"level {m[1]} (not satisfied)"),
        r(r"(\d)级，经复核不计入", lambda m: f"level {m[1]}, not counted after review"),
        r(r"事项(\S+?)（(.+?)）由承诺件（(\d+)个工作日）改为即办件，(\S+?)由(.+?)登记",
          lambda m: f"item {m[1]} ({m[2]}) turned from promised in {m[3]} working days into immediate, "
                    f"recorded {m[4]} by {m[5]}"),
        r("转移", lambda m: "transferred"),
        r("过号", lambda m: "no-show"),
        r(r"所在窗口本月等次：(.+)", lambda m: f"the window's grade this month: {words.grade(m[1])}"),
        r(r"(迟到|早退|无人值守|旷工) (\S+ \S+)—(\S+ \S+)，(\d+)分钟(（请假(\d+)获批，无人顶岗）)?"
          r"(（暂停服务）|（无人签到）|（未签到，无获批请假）)?",
          lambda m: (f"{INCIDENTS_EN[m[1]]} {m[2]}–{m[3]}, {m[4]} min"
                     + (f" (leave {m[6]} approved, nobody stood in)" if m[5] else "")
                     + {"（暂停服务）": " (window paused)", "（无人签到）": " (nobody signed in)",
                        "（未签到，无获批请假）": " (no sign-in, no approved leave)"}.get(m[7] or "", ""))),
        r(r"(.*)（(督查发现|投诉查实|表扬信|媒体报道|违纪行为|其他)，(.+?)录入(?:，(\d+)人次)?）",
          lambda m: (f"{m[1]} ({RECORD_KINDS_EN[RECORD_KIND_ZH[m[2]]]}, entered by {m[3]}"
                     + (f", {m[4]} times" if m[4] else "") + ")")),
        r(r"满意率 (\d+)/(\d+) = ([\d.]+)%，得([\d.]+)分（满分([\d.]+)）(?:；(\d+)条经复核不计入)?",
          lambda m: (f"satisfaction {m[1]}/{m[2]} = {m[3]}%, {m[4]} of {m[5]} points"
                     + (f"; {m[6]} not counted after review" if m[6] else ""))),
        r("本月没有计入的评价，按满分计", lambda m: "no counted ratings this month: full points"),
        r("本月没有计入的评价，按最低档计", lambda m: "no counted ratings this month: the lowest band"),
        r(r"办件量(\d+)，第(\d+)名，在前(\d+)名内", lambda m: f"{m[1]} tickets served, rank {m[2]}, within the top {m[3]}"),
        r(r"办件量(\d+)，第(\d+)名；第(\d+)名办件量(\d+)，按比例得([\d.]+)分",
          lambda m: f"{m[1]} tickets served, rank {m[2]}; number {m[3]} served {m[4]}: {m[5]} points pro rata"),
        r(r"上限([\d.]+)分", lambda m: f"capped at {m[1]} points"),
        r(r"(\d+)号窗口 ([\d.]+)分", lambda m: f"window {m[1]}: {m[2]} points"),
        r(r"((?:\d+号窗口[\d.]+分、?)+)，平均([\d.]+)分",
          lambda m: ", ".join(f"window {w} {p}" for w, p in re.findall(r"(\d+)号窗口([\d.]+)分", m[1]))
          + f": average {m[2]}"),
        r("没有参加考核的窗口", lambda m: "no assessed window"),
    ]


class Words:
    """Names and generated lines of one hall's schemes, in the page's language."""

    def __init__(self, lang: str, plan: Mapping[Scope, Scheme]):
        self.lang = lang
        self.en = lang == "en"
        self.plan = plan
        self._names: dict[str, str] = dict(GENERATED_NAMES_EN)  # section or rule key -> English
        self._by_zh: dict[str, str] = {}       # Chinese name -> English (grades, honours, item names)
        self._flags: dict[str, str] = {}
        for scheme in {id(s): s for s in plan.values()}.values():
            self._learn(scheme)
        self._patterns = _rules(self) if self.en else []

    def _learn(self, scheme: Scheme) -> None:
        for section in scheme._all_sections():
            if section.name_en:
                self._names.setdefault(section.key, section.name_en)
        for rule in scheme.rules():
            if rule.name_en:
                self._names.setdefault(rule.key, rule.name_en)
                self._by_zh.setdefault(rule.name, rule.name_en)
        for bands in scheme.grades.values():
            for band in bands:
                if band.name_en:
                    self._by_zh.setdefault(band.name, band.name_en)
        for sel in scheme.selections:
            if sel.title_en:
                self._by_zh.setdefault(sel.title, sel.title_en)
        if scheme.annual and scheme.annual.title and scheme.annual.title_en:
            self._by_zh.setdefault(scheme.annual.title, scheme.annual.title_en)
        for flag in scheme.flags:
            if flag.message_en:
                self._flags.setdefault(flag.key, flag.message_en)

    # --- names ---------------------------------------------------------------------------
    def scheme_name(self, scheme: Scheme) -> str:
        return scheme.name_en if self.en and scheme.name_en else scheme.name

    def name(self, key: str, chinese: str) -> str:
        return self._names.get(key, chinese) if self.en else chinese

    def grade(self, name: str | None) -> str | None:
        return self._by_zh.get(name, name) if self.en and name else name

    def title(self, text: str) -> str:
        return self._by_zh.get(text, text) if self.en else text

    def line(self, text: str) -> str:
        """A line the engine wrote, in English where its wording is known."""
        if not self.en or not text:
            return text
        for pattern, make in self._patterns:
            m = pattern.match(text)
            if m:
                return make(m)
        return text

    def flag(self, flag: Mapping[str, str]) -> str:
        message = flag["message"]
        if not self.en:
            return message
        key = flag["key"]
        if key in self._flags:
            return self._flags[key]
        if key == "no_ratings":
            return "No counted ratings this month"
        if key == "zeroed":
            return "No points this month: " + "; ".join(self.title(x) for x in message.split("：", 1)[-1].split("；"))
        if key == "zeroed_category":
            return "No points for a category this month: " + "; ".join(
                self.title(x) for x in message.split("：", 1)[-1].split("；"))
        if key == "ineligible":
            return "No honours: " + self.title(message.split("：", 1)[-1])
        if key == "not_assessed":
            short = re.match(r"本月出勤(\d+)天、办件(\d+)件，未达考核最低要求（出勤(\d+)天、办件(\d+)件）", message)
            if short:
                return (f"Not assessed: {short[1]} days attended and {short[2]} tickets served, short of the "
                        f"scheme's minimum ({short[3]} days, {short[4]} tickets)")
            return NOT_ASSESSED_EN.get(message, "Not assessed this month")
        return message

    # --- whole answers ---------------------------------------------------------------------
    def card(self, card: dict[str, Any]) -> dict[str, Any]:
        """A scorecard (Scorecard.to_dict) with names and generated lines in the page's language."""
        if not self.en:
            return card
        card = copy.deepcopy(card)
        self._card_in_place(card)
        return card

    def _card_in_place(self, card: dict[str, Any]) -> None:
        for item in card["items"]:
            item["name"] = self.name(item["key"], item["name"])
            item["detail"] = self.line(item["detail"])
            for ev in item["evidence"]:
                ev["detail"] = self.line(ev["detail"])
        stack = list(card["categories"])
        while stack:
            section = stack.pop()
            section["name"] = self.name(section["key"], section["name"])
            stack.extend(section["parts"])
        card["grade"] = self.grade(card["grade"])
        card["selected"] = [self.title(t) for t in card["selected"]]
        card["flags"] = [{**f, "message": self.flag(f)} for f in card["flags"]]

    def body(self, body: dict[str, Any]) -> dict[str, Any]:
        """One scope's answer (MonthResult.to_dict) in the page's language."""
        if not self.en:
            return body
        body = copy.deepcopy(body)
        for card in body["scorecards"]:
            self._card_in_place(card)
        for sel in body["selections"].values():
            sel["title"] = self.title(sel["title"])
        return body
