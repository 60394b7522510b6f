"""The hall file: validation, loading, and updating without losing history."""
from importlib import resources

import pytest
from sqlalchemy import select

from hallq.queue import hallfile
from hallq.queue.models import Item, Ticket, Window, WindowItem
from tests.conftest import HALLS, Hall

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
        hallfile.load(s, hallfile.parse(changed))
        s.commit()
    with db.read() as s:
        item = s.scalar(select(Item).where(Item.code == "MZ01"))
        assert item.name == "婚姻登记（结婚）" and s.get(Ticket, t.id).item_id == item.id
        w4 = s.scalar(select(Window).where(Window.number == 4))
        assert w4 is not None and not w4.active  # dropped from the file: kept, inactive
        w2 = s.scalar(select(Window).where(Window.number == 2))
        assert {wi.item_id for wi in s.scalars(select(WindowItem).where(WindowItem.window_id == w2.id))} >= {item.id}
