"""Monthly and annual assessment (考核) of windows, departments and staff.

    from hallq.assessment import compute_month, load_preset
    result = compute_month(facts, load_preset("county_window"), hall_hours, history)
    result.to_dict("window")   # the API answer for GET /api/v1/assessment/{yyyy-mm}
"""
from hallq.assessment.annual import AnnualCard, compute_year, vote_candidates
from hallq.assessment.dual_target import DualTargetCard, dual_target
from hallq.assessment.engine import FactError, compute_month
from hallq.assessment.facts import (Appeal, DepartmentInfo, History, MonthFacts, NoShow, PauseSpan,
                                    PromisedCase, Rating, RepeatVisit, Service, SessionSpan, StaffInfo,
                                    SupervisorRecord, Transfer, WindowInfo)
from hallq.assessment.history import history_from_cards, history_from_results
from hallq.assessment.presets import SchemeError, list_presets, load_preset, load_scheme_file, load_scheme_text
from hallq.assessment.scheme import Scheme
from hallq.assessment.scorecard import MonthResult, Scorecard

__all__ = [
    "AnnualCard", "Appeal", "DepartmentInfo", "DualTargetCard", "dual_target", "FactError", "History", "MonthFacts", "MonthResult", "NoShow",
    "PauseSpan", "PromisedCase", "Rating", "RepeatVisit", "Scheme", "SchemeError", "Scorecard", "Service",
    "SessionSpan", "StaffInfo", "SupervisorRecord", "Transfer", "WindowInfo", "compute_month", "compute_year", "vote_candidates",
    "history_from_cards", "history_from_results", "list_presets", "load_preset", "load_scheme_file",
    "load_scheme_text",
]
