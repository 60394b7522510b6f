"""Admin changes to a hall (hallq.queue.admin): the hall file's rules, deactivation, the audit log, export."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

import hallq
from hallq.queue import account_admin, admin, audit, hallfile
from hallq.queue.accounts import Token, User
from hallq.queue.errors import Invalid, NotFound, Refused
from hallq.queue.halls import hall_context
from hallq.queue.models import Staff, Ticket, Window, WindowItem, WindowPost
from tests.conftest import HALLS, SHANGHAI

ADMIN = "user:admin"


def _changes(hall, **filters):
    with hall.uow() as uow:
        return audit.changes(uow.session, hall.id, **filters)


def test_a_new_window_is_loaded_as_the_hall_file_would_and_audited(hall):
    row = {"number": 9, "name": "社保窗口", "kind": "comprehensive", "items": [["MZ01", "SJ01"], "GA01"],
           "posts": {"A": "S005"}, "live_from": "2026-12-01"}
    after = hall.run(admin.save_window, hall.id, ADMIN, hall.clock(), row, create=True)
    assert after["items"] == [["MZ01", "SJ01"], "GA01"] and after["posts"] == {"A": "S005"}
    with hall.db.read() as s:
        window = s.scalar(select(Window).where(Window.hall_id == hall.id, Window.number == 9))
        assert (window.name, window.kind, str(window.live_from), window.active) == \
            ("社保窗口", "comprehensive", "2026-12-01", True)
        tiers = {t for t in s.scalars(select(WindowItem.tier).where(WindowItem.window_id == window.id))}
        assert tiers == {0, 1}
    with hall.db.read() as s:  # this process sees it at once: the cached hall context was forgotten
        assert 9 in hall_context(s, hall.id).window_numbers.values()
    [change] = _changes(hall)
    assert (change["actor"], change["entity"], change["key"], change["action"], change["before"]) == \
        (ADMIN, "window", "9", "create", None)
    assert change["after"]["name"] == "社保窗口"


@pytest.mark.parametrize("row, says", [
    ({"number": 1, "name": "重复", "items": ["GA01"]}, "duplicate number: 1"),  # window 1 exists
    ({"number": 7, "name": "无事项", "items": []}, "items"),  # a window serves at least one item
    ({"number": 7, "name": "未知事项", "items": ["XX99"]}, "unknown item XX99"),
    ({"number": 7, "name": "未知人员", "items": ["GA01"], "posts": {"A": "S999"}}, "unknown staff S999"),
])
def test_a_window_the_hall_file_would_refuse_is_refused_and_nothing_changes(hall, row, says):
    with hall.db.read() as s:
        before = hallfile.export(s, s.get(type(hall.hall), hall.id))
    with pytest.raises(Invalid) as refused:
        hall.run(admin.save_window, hall.id, ADMIN, hall.clock(), row, create=True)
    assert refused.value.code == "hall_file_invalid" and says in refused.value.params["detail"]
    with hall.db.read() as s:
        assert hallfile.export(s, s.get(type(hall.hall), hall.id)) == before
    assert _changes(hall) == []


def test_a_duplicate_staff_number_is_refused(hall):
    with pytest.raises(Invalid) as refused:
        hall.run(admin.save_staff, hall.id, ADMIN, hall.clock(), {"number": "S001", "name": "另一人"}, create=True)
    assert "duplicate number: S001" in refused.value.params["detail"]


def test_deactivating_keeps_the_row_and_its_tickets(hall):
    ticket = hall.issue("MZ01")
    hall.run(admin.deactivate_window, hall.id, ADMIN, hall.clock(), 4)
    with hall.db.read() as s:
        window = s.scalar(select(Window).where(Window.hall_id == hall.id, Window.number == 4))
        assert window is not None and window.active is False
        assert s.get(Ticket, ticket.id) is not None
    [change] = _changes(hall, entity="window")
    assert change["action"] == "deactivate" and change["after"] is None and change["before"]["number"] == 4
    with pytest.raises(NotFound):
        hall.run(admin.deactivate_window, hall.id, ADMIN, hall.clock(), 4)


def test_a_staff_member_leaving_gives_up_their_posts(hall):
    hall.run(admin.deactivate_staff, hall.id, ADMIN, hall.clock(), "S002")
    with hall.db.read() as s:
        assert s.scalar(select(Staff.active).where(Staff.number == "S002")) is False
        holders = set(s.scalars(select(WindowPost.staff_id)))
        assert s.scalar(select(Staff.id).where(Staff.number == "S002")) not in holders


def test_posts_are_set_from_the_staff_member(hall):
    hall.run(admin.save_staff, hall.id, ADMIN, hall.clock(), {"number": "S006", "name": "周敏", "department": "MZ"},
             create=True, posts=[(4, "A"), (1, "B")])
    with hall.uow() as uow:
        assert admin.staff_posts(uow, hall.id)["S006"] == [{"window": 1, "post": "B"}, {"window": 4, "post": "A"}]
        assert "S002" not in admin.staff_posts(uow, hall.id)  # B of window 1 before


def test_the_chief_representative_must_be_of_the_department(hall):
    hall.run(admin.save_department, hall.id, ADMIN, hall.clock(), {"code": "GA", "chief": "S001"}, create=False)
    with pytest.raises(Invalid) as refused:
        hall.run(admin.save_department, hall.id, ADMIN, hall.clock(), {"code": "MZ", "chief": "S001"}, create=False)
    assert "not of department MZ" in refused.value.params["detail"]
    [change] = _changes(hall, entity="department")
    assert change["before"]["chief"] is None and change["after"]["chief"] == "S001"


def test_hall_settings_take_effect_at_once(hall):
    hall.run(admin.update_hall, hall.id, ADMIN, hall.clock(), {
        "name": "新名字", "notice": "今日系统升级", "voice": {"template": "请{号}号到{窗}号窗口"},
        "hours": {"sessions": [["08:30", "12:00"], ["13:30", "17:30"]], "holidays": ["2026-12-31"]}})
    with hall.db.read() as s:
        ctx = hall_context(s, hall.id)
        assert ctx.hall.name == "新名字" and ctx.settings.notice == "今日系统升级"
        assert str(ctx.settings.hours.sessions[0][0]) == "08:30:00"
        assert ctx.settings.recall_limit == 2  # what the page does not set stays as loaded
    with pytest.raises(Invalid):
        hall.run(admin.update_hall, hall.id, ADMIN, hall.clock(), {"timezone": "Mars/Olympus"})
    with pytest.raises(Invalid):
        hall.run(admin.update_hall, hall.id, ADMIN, hall.clock(), {"hours": {"sessions": [["14:00", "12:00"]]}})
    assert len(_changes(hall, entity="hall")) == 1


def test_opening_hours_by_weekday(hall, tmp_path):
    """Fridays close at 17:00, Wednesdays have no lunch break; other working days keep the usual sessions."""
    hall.run(admin.update_hall, hall.id, ADMIN, hall.clock(), {"hours": {"weekdays": {
        "fri": [["09:00", "12:00"], ["14:00", "17:00"]], "wed": [["09:00", "17:00"]]}}})
    with hall.db.read() as s:
        hours = hall_context(s, hall.id).hours
        friday, wednesday, monday = (hours.sessions_on(dt.date(2026, 11, d)) for d in (27, 25, 23))
        text = hallfile.to_toml(hallfile.export(s, s.get(type(hall.hall), hall.id)))
    assert friday[-1][1].hour == 17 and len(wednesday) == 1 and monday[-1][1].hour == 18
    assert hours.sessions_on(dt.date(2026, 11, 28)) == []  # a Saturday is still no working day
    (tmp_path / "hall.toml").write_text(text, encoding="utf-8")
    assert hallfile.read(tmp_path / "hall.toml").hall.hours.weekdays["fri"][1][1] == dt.time(17)
    with pytest.raises(Invalid) as refused:
        hall.run(admin.update_hall, hall.id, ADMIN, hall.clock(), {"hours": {"weekdays": {"mon": [["14:00", "09:00"]]}}})
    assert "weekdays.mon" in refused.value.params["detail"]


def test_export_then_load_changes_nothing(hall, tmp_path):
    """The round trip: the exported file, loaded again, leaves every row as it was, and exports the same."""
    with hall.db.read() as s:
        text = hallfile.to_toml(hallfile.export(s, s.get(type(hall.hall), hall.id)))
    tables = _rows(hall)
    (tmp_path / "hall.toml").write_text(text, encoding="utf-8")
    spec = hallfile.read(tmp_path / "hall.toml")
    with hall.db.write() as s:
        hallfile.load(s, spec, hall.clock().astimezone(SHANGHAI).date())
        s.commit()
    assert _rows(hall) == tables
    with hall.db.read() as s:
        assert hallfile.to_toml(hallfile.export(s, s.get(type(hall.hall), hall.id))) == text
    # And it holds what the file the hall was loaded from holds, with the days its windows and staff went
    # live filled in; in code order (the database keeps no other), a tier's items too (served together).
    source = hallfile.read(HALLS / "small.toml")
    for row in (*source.windows, *source.staff):
        row.live_from = hall.hall.live_from
    for window in source.windows:
        window.items = [sorted(t) if isinstance(t, list) else t for t in window.items]
    for rows, key in (("departments", "code"), ("items", "code"), ("windows", "number"), ("staff", "number")):
        setattr(source, rows, sorted(getattr(source, rows), key=lambda r: getattr(r, key)))
    assert spec.model_dump() == source.model_dump()  # the fields: each keeps the folder it was read from (_base)


def test_the_demo_hall_round_trips_too(db, clock, tmp_path):
    """The demo hall's file has every part (displays, chiefs, guides, tiers): exported and loaded, nothing changes."""
    from pathlib import Path

    import hallq
    from tests.conftest import Hall
    hall = Hall(db, clock, Path(hallq.__file__).parent / "data" / "demo_hall.toml")
    with hall.db.read() as s:
        text = hallfile.to_toml(hallfile.export(s, s.get(type(hall.hall), hall.id)))
    tables = _rows(hall)
    with hall.db.write() as s:
        hallfile.load(s, hallfile.parse(text), clock().astimezone(SHANGHAI).date())
        s.commit()
    assert _rows(hall) == tables
    with hall.db.read() as s:
        assert hallfile.to_toml(hallfile.export(s, s.get(type(hall.hall), hall.id))) == text


def _rows(hall) -> dict:
    from hallq.queue.models import Department, Hall, Item
    with hall.db.read() as s:
        return {m.__tablename__: sorted(
            (tuple(getattr(r, c.key) for c in m.__table__.columns) for r in s.scalars(select(m))), key=repr)
            for m in (Hall, Department, Item, Staff, Window, WindowItem, WindowPost)}


def test_accounts_created_disabled_reset_and_audited(hall):
    boss = hall.user("admin", "admin")
    view, password = hall.run(account_admin.create_account, hall.id, ADMIN, hall.clock(), "S005", "clerk", "S005")
    assert view == {"username": "S005", "role": "clerk", "staff": "S005", "active": True, "locked": False}
    with pytest.raises(Refused):
        hall.run(account_admin.create_account, hall.id, ADMIN, hall.clock(), "S005", "clerk", None)
    with hall.db.write() as s:
        from hallq.queue import accounts
        token = accounts.login(s, "S005", password, hall.clock())
        s.commit()
    view, ended = hall.run(account_admin.update_account, hall.id, boss, hall.clock(), "S005", active=False)
    assert view["active"] is False and len(ended) == 1
    with hall.db.read() as s:
        assert s.scalar(select(Token.revoked_at).where(Token.id == ended[0])) is not None
    new, _ = hall.run(account_admin.reset_password, hall.id, ADMIN, hall.clock(), "S005")
    assert new != password
    with hall.db.read() as s:
        assert s.scalar(select(User.must_change_password).where(User.username == "S005")) is True
    actions = [c["action"] for c in _changes(hall, entity="account")]
    assert actions == ["reset_password", "update", "create"]
    assert all(password not in repr(c) and new not in repr(c) and token not in repr(c) for c in _changes(hall))


def test_device_tokens_created_revoked_and_replaced(hall):
    view, value = hall.run(account_admin.create_token, hall.id, ADMIN, hall.clock(), "evaluator", "pad-1", 1, None)
    assert (view["kind"], view["name"], view["window"]) == ("evaluator", "pad-1", 1)
    new_view, new_value = hall.run(account_admin.replace_token, hall.id, ADMIN, hall.clock(), view["id"])
    assert new_value != value and (new_view["kind"], new_view["window"]) == ("evaluator", 1)
    with hall.uow() as uow:
        assert [t["id"] for t in account_admin.list_tokens(uow, hall.id)] == [new_view["id"]]
    hall.run(account_admin.revoke_token, hall.id, ADMIN, hall.clock(), new_view["id"])
    with hall.uow() as uow:
        assert account_admin.list_tokens(uow, hall.id) == []
    assert [c["action"] for c in _changes(hall, entity="token")] == ["revoke", "create", "revoke", "create"]
    assert all(value not in repr(c) and new_value not in repr(c) for c in _changes(hall))



def test_an_admin_change_keeps_every_items_guide_keywords_and_forms(db, clock):
    """An admin's edit goes through the exported hall file: what that file carries of the items (their whole
    guide, keywords, forms) must come back unchanged, or renaming a window would wipe the hall's 办事指南."""
    from hallq.queue.models import Item, ItemForm
    from tests.conftest import Hall

    demo = Hall(db, clock, spec_file=Path(hallq.__file__).parent / "data" / "demo_hall.toml")

    def items():
        with db.read() as s:
            rows = {i.code: (i.name, i.guide, i.keywords, i.active) for i in s.scalars(select(Item))}
            forms = sorted((f.item_id, f.name, f.data) for f in s.scalars(select(ItemForm)))
        return rows, forms

    before = items()
    assert before[1] and any(keywords for _, _, keywords, _ in before[0].values())
    demo.run(admin.save_window, demo.id, ADMIN, clock(), {"number": 1, "name": "改过名的窗口"}, create=False)
    assert items() == before
