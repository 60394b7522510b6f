"""Schemes as data: the presets, a hall's adjustments, and clear errors."""

import pytest

from hallq.assessment import (FactError, SchemeError, compute_month, list_presets, load_preset, load_scheme_file,
                              load_scheme_text)
from hallq.assessment.presets import preset_text
from tests.assessment import hall


def test_presets_ship_and_total_100():
    assert list_presets() == ["county_window", "department_central_004", "maiji_staff", "maiji_window", "staff_de_neng_qin_ji_lian", "tonglu_department", "window_best", "window_stars_003", "window_unit_004"]
    for name in list_presets():
        scheme = load_preset(name)
        assert sum(c.max for c in scheme.categories if c.kind != "bonus") == 100


def test_county_scheme_keeps_the_missing_five_points():
    scheme = load_preset("county_window")
    assert [(c.key, c.max) for c in scheme.categories] == [
        ("discipline", 30), ("service", 20), ("business", 40), ("ratings", 10), ("bonus", None)]
    assert all(r.scopes == ("staff",) for r in scheme.categories[4].rules)  # "工作人员在月度考评时可加分"
    business = scheme.categories[2]
    assert [(p.key, p.max) for p in business.parts] == [
        ("case_management", 15), ("case_results", 10), ("fees", 5), ("computer", 5), ("hall_item", 5)]
    assert "原文" in business.parts[-1].note and "缺" in scheme.note
    overdue = next(r for r in scheme.rules() if r.key == "overdue")
    assert (overdue.source, overdue.points) == ("case.overdue_day", -2)


def test_staff_scheme_shape():
    scheme = load_preset("staff_de_neng_qin_ji_lian")
    assert [(c.name, c.max) for c in scheme.categories] == [
        ("德", 20), ("能", 20), ("勤", 20), ("绩", 25), ("廉", 15), ("附加分", None)]
    assert [(b.name, b.min, b.quota_percent) for b in scheme.grade_bands("staff")] == [
        ("优秀", 90, 15), ("称职", 75, None), ("基本称职", 60, None), ("不称职", 0, None)]


def test_toml_syntax_error_names_the_line():
    with pytest.raises(SchemeError, match=r"line 2"):
        load_scheme_text('id = "x"\nname = \n')


def test_bad_value_names_its_path(tmp_path):
    bad = preset_text("county_window").replace('key = "overdue"\nname = "办件超承诺时限，每件每超过1个工作日扣2分"\nsource = "case.overdue_day"\npoints = -2',
                                               'key = "overdue"\nname = "x"\nsource = "case.overdue_day"\npoints = "two"')
    path = tmp_path / "hall.toml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(SchemeError) as err:
        load_scheme_file(path)
    assert err.value.problems == [
        "categories[business].parts[case_management].rules[overdue].points: "
        "Input should be a valid number, unable to parse string as a number"]
    assert str(path) in str(err.value)


def test_unknown_source_and_wrong_totals():
    text = preset_text("county_window")
    with pytest.raises(SchemeError, match=r"categories\[discipline\]\.rules\[late\]\.source"):
        load_scheme_text(text.replace('source = "attendance.late"', 'source = "attendance.tardy"'))
    with pytest.raises(SchemeError, match="sub-items add up to 35"):
        load_scheme_text(text.replace('key = "hall_item"\nname = "大厅自定小项（原文缺失的5分）"\nmax = 5',
                                      'key = "hall_item"\nname = "x"\nmax = 0'))


def test_overrides_are_validated():
    with pytest.raises(SchemeError, match=r"overrides\.categories\[discipline\]\.rules\[tardy\]: no such entry"):
        load_preset("county_window", {"categories": {"discipline": {"rules": {"tardy": {"points": -1}}}}})
    with pytest.raises(SchemeError, match=r"categories\[discipline\]\.rules\[late\]\.pointz: Extra inputs"):
        load_preset("county_window", {"categories": {"discipline": {"rules": {"late": {"pointz": -1}}}}})
    with pytest.raises(SchemeError, match="categories add up to 105"):
        load_preset("county_window", {"categories": {"discipline": {"max": 35}}})
    with pytest.raises(SchemeError, match=r"selections\[best_window\]\.quota_percent"):
        load_preset("window_best", {"selections": {"best_window": {"quota_percent": 150}}})
    adjusted = load_preset("window_best", {"selections": {"red_flag": {"quota_count": 3}},
                                          "settings": {"unattended_minutes": 30}})
    assert adjusted.selections[1].quota_count == 3 and adjusted.settings.unattended_minutes == 30


def test_records_must_fit_the_scheme():
    facts = hall.small_hall(2025, 10, n=2)
    hall.record(facts, "no_such_line", window=1)
    with pytest.raises(FactError, match="no line 'no_such_line'"):
        compute_month(facts, load_preset("county_window"), hall.HOURS)
    facts = hall.small_hall(2025, 10, n=2)
    hall.record(facts, "praise", window=1, points=8)
    with pytest.raises(FactError, match="from 1 to 5"):
        compute_month(facts, load_preset("county_window"), hall.HOURS)
    facts = hall.small_hall(2025, 10, n=2)
    hall.record(facts, "off_task", window=1, points=-7)
    with pytest.raises(FactError, match="cannot set them"):
        compute_month(facts, load_preset("county_window"), hall.HOURS)


def test_record_lines_for_the_entry_page():
    lines = load_preset("county_window").record_items()
    praise = next(r for r in lines if r.key == "praise")
    assert praise.entry_points == (1, 5)
    # Record lines, and the absence line: hallq finds a half day's absence (旷工) itself, and a supervisor
    # records the absences it cannot see (a meeting missed) on the same line.
    assert all(r.source == "record" for r in lines if r.key != "absent_half_day")
    assert next(r for r in lines if r.key == "absent_half_day").source == "attendance.absent"
