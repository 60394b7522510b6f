"""The hall file: validation, loading, and updating without losing history."""
import datetime as dt
from importlib import resources

import pytest
from sqlalchemy import select

from hallq.queue import hallfile
from hallq.queue.models import Hall as HallRow
from hallq.queue.models import Item, Staff, Ticket, Window, WindowItem
from hallq.queue.settings import RatingSettings
from tests.conftest import HALLS, Hall

TODAY = dt.date(2026, 11, 23)  # the day the file is loaded again

SMALL = (HALLS / "small.toml").read_text(encoding="utf-8")


def test_the_demo_hall_is_realistic():
    spec = hallfile.parse(resources.files("hallq").joinpath("data/demo_hall.toml").read_text(encoding="utf-8"))
    assert len(spec.departments) >= 10 and len(spec.items) >= 30 and len(spec.windows) >= 12
    assert any(w.kind == "comprehensive" for w in spec.windows)
    served = {c for w in spec.windows for tier in w.tiers() for c in tier}
    assert served == {i.code for i in spec.items}
    assert all(i.guide.materials for i in spec.items)


@pytest.mark.parametrize("change, message", [
    (('department = "SJ"\nprefix = "B"', 'department = "XX"\nprefix = "B"'), "unknown department XX"),
    (('items = ["SJ01", "GA01"]', 'items = ["SJ01", "ZZ09"]'), "unknown item ZZ09"),
    (('posts = { A = "S004" }', 'posts = { A = "S999" }'), "unknown staff S999"),
    (('prefix = "C"', 'prefix = "c1"'), "items.3.prefix"),
    (("sessions = [[09:00:00, 12:00:00], [14:00:00, 18:00:00]]", "sessions = [[14:00:00, 12:00:00]]"), "in order"),
    (("[hall]", "[hall]\ncolour = 3"), "colour"),
    (('legal_days = 15\npromised_days = 3', 'legal_days = 15\npromised_days = 30'), "promised_days cannot exceed"),
    (("[hall]", "[hall"), "not valid TOML"),
    # A chief representative (首席代表) is one of the department's own staff in the hall.
    (("[hall.hours]", '[hall.ratings.chiefs]\nXX = "S001"\n[hall.hours]'), "hall.ratings.chiefs.XX: unknown department XX"),
    (("[hall.hours]", '[hall.ratings.chiefs]\nGA = "S999"\n[hall.hours]'), "hall.ratings.chiefs.GA: unknown staff 'S999'"),
    (("[hall.hours]", '[hall.ratings.chiefs]\nGA = ""\n[hall.hours]'), "hall.ratings.chiefs.GA: unknown staff ''"),
    (("[hall.hours]", '[hall.ratings.chiefs]\nGA = "S005"\n[hall.hours]'),
     "hall.ratings.chiefs.GA: staff S005 is not of department GA (theirs: MZ)"),
])
def test_bad_files_say_what_is_wrong(change, message):
    old, new = change
    assert old in SMALL
    with pytest.raises(hallfile.HallFileError) as err:
        hallfile.parse(SMALL.replace(old, new, 1))
    assert message in str(err.value)


def test_reloading_updates_in_place_and_keeps_history(db, clock):
    hall = Hall(db, clock)
    t = hall.issue("MZ01")
    changed = SMALL.replace('name = "婚姻登记"', 'name = "婚姻登记（结婚）"')
    changed = changed.split("[[windows]]\nnumber = 4")[0] + "[[staff]]" + changed.split("[[staff]]", 1)[1]
    changed = changed.replace('items = [["GA01", "GA02"]]\nposts = { A = "S003" }',
                              'items = [["GA01", "GA02", "MZ01"]]\nposts = { A = "S003" }')
    with db.write() as s:
        hallfile.load(s, hallfile.parse(changed), TODAY)
        s.commit()
    with db.read() as s:
        item = s.scalar(select(Item).where(Item.code == "MZ01"))
        assert item.name == "婚姻登记（结婚）" and s.get(Ticket, t.id).item_id == item.id
        w4 = s.scalar(select(Window).where(Window.number == 4))
        assert w4 is not None and not w4.active  # dropped from the file: kept, inactive
        w2 = s.scalar(select(Window).where(Window.number == 2))
        assert {wi.item_id for wi in s.scalars(select(WindowItem).where(WindowItem.window_id == w2.id))} >= {item.id}


def with_chiefs(text: str, chiefs: str) -> str:
    return text.replace("[hall.hours]", f"[hall.ratings.chiefs]\n{chiefs}\n[hall.hours]", 1)


def test_chief_representatives_load_into_the_settings(db, clock):
    Hall(db, clock)
    with db.write() as s:
        hallfile.load(s, hallfile.parse(with_chiefs(SMALL, 'GA = "S003"\nSJ = "S004"')), TODAY)
        s.commit()
    with db.read() as s:
        assert s.scalar(select(HallRow).where(HallRow.code == "test")).settings["ratings"]["chiefs"] == {
            "GA": "S003", "SJ": "S004"}


def test_a_chief_dropped_from_the_staff_is_refused_and_the_hall_kept(db, clock):
    # S003 leaves the hall: the file drops them (window 2's post too) but still names them chief.
    Hall(db, clock, ratings=RatingSettings(chiefs={"GA": "S003"}))
    s003 = '[[staff]]\nnumber = "S003"\nname = "张伟"\ndepartment = "GA"\n'
    assert s003 in SMALL
    dropped = SMALL.replace(s003, "").replace('posts = { A = "S003" }', 'posts = { A = "S001" }')
    with pytest.raises(hallfile.HallFileError, match=r"hall\.ratings\.chiefs\.GA: unknown staff 'S003'"):
        hallfile.parse(with_chiefs(dropped, 'GA = "S003"'))
    # A spec changed after parsing (as the demo and the tests' hall do) is checked again by load.
    spec = hallfile.parse(dropped)
    spec.hall.ratings = RatingSettings(chiefs={"GA": "S003"})
    with db.write() as s:
        with pytest.raises(hallfile.HallFileError, match=r"hall\.ratings\.chiefs\.GA: unknown staff 'S003'"):
            hallfile.load(s, spec, TODAY)
    with db.read() as s:  # nothing changed: the chief is still active, so bad reviews still reach them
        assert s.scalar(select(Staff.active).where(Staff.number == "S003")) is True
        assert s.scalar(select(HallRow.settings).where(HallRow.code == "test"))["ratings"]["chiefs"] == {"GA": "S003"}


def test_load_refuses_a_chief_of_another_department_given_after_parsing(db, clock):
    with pytest.raises(hallfile.HallFileError, match="staff S005 is not of department GA"):
        Hall(db, clock, ratings=RatingSettings(chiefs={"GA": "S005"}))
    with db.read() as s:
        assert s.scalar(select(HallRow).where(HallRow.code == "test")) is None
