"""The items' whole guide (办事指南, 五公开/六公开) in the hall file: its fields, forms, keywords and export."""
from __future__ import annotations

import datetime as dt
import shutil
from importlib import resources

import pytest
from sqlalchemy import select

from hallq.demo.hall import demo_hall_file
from hallq.queue import forms, hallfile
from hallq.queue.models import Item, ItemForm
from tests.conftest import HALLS

TODAY = dt.date(2026, 11, 23)
SMALL = (HALLS / "small.toml").read_text(encoding="utf-8")
PDF = b"%PDF-1.4\n% a form\n"
GUIDE_GA01 = '''[items.guide]
nature = "non_permit"
basis = "《中华人民共和国居民身份证法》"
conditions = ["本县常住户口"]
quantity_limit = "无数量限制"
fee = "工本费20元"
fee_basis = "发改价格〔2003〕2322号"
supervision = "监督电话：12345"
result = "居民身份证"
forms = [{ title = "申请书示范文本", file = "申请表.pdf" }]
'''


def small_with_guide(**replace: str) -> str:
    text = SMALL.replace('daily_quota = 5\n[items.guide]\n', 'daily_quota = 5\nkeywords = ["身份证", "办证"]\n'
                        + GUIDE_GA01, 1)
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new, 1)
    return text


def write_hall(tmp_path, text: str, files: dict[str, bytes]):
    (tmp_path / "forms").mkdir(exist_ok=True)
    for name, data in files.items():
        (tmp_path / "forms" / name).write_bytes(data)
    (tmp_path / "hall.toml").write_text(text, encoding="utf-8")
    return tmp_path / "hall.toml"


def load(db, spec):
    with db.write() as s:
        hall = hallfile.load(s, spec, TODAY)
        s.commit()
        return hall.id


def items_state(db, hall_id):
    """Everything the hall file says about the items, as stored."""
    with db.read() as s:
        items = [(i.code, i.name, i.prefix, i.daily_quota, i.guide, i.keywords, i.active)
                 for i in s.scalars(select(Item).where(Item.hall_id == hall_id).order_by(Item.code))]
        files = [(f.item_id, f.position, f.title, f.name, f.content_type, f.sha256, f.data)
                 for f in s.scalars(select(ItemForm).order_by(ItemForm.id))]
    return items, files


def test_every_demo_item_carries_the_whole_guide_and_what_citizens_call_it():
    spec = demo_hall_file()
    for item in spec.items:
        g = item.guide
        assert g.nature in hallfile.NATURES, item.code
        assert g.basis and g.conditions and g.materials and g.procedure and g.fee and g.supervision and g.result
        assert item.keywords, item.code
        assert g.promised_days is not None
        assert not g.warnings(), item.code  # every promise at least 50% shorter than the law's limit
    words = {w for i in spec.items for w in i.keywords}
    assert {"医保", "社保卡", "营业执照", "低保", "二手房"} <= words
    with_forms = {i.code: [f.file for f in i.guide.forms] for i in spec.items if i.guide.forms}
    assert set(with_forms) == {"SJ05", "MZ02"}
    for files in with_forms.values():
        for name in files:
            data = resources.files("hallq").joinpath(f"data/forms/{name}").read_bytes()
            assert forms.check(name, data) == "application/pdf"


def test_the_demo_hall_loads_its_forms(db):
    hall_id = load(db, demo_hall_file())
    with db.read() as s:
        rows = s.execute(select(Item.code, ItemForm.title, ItemForm.size).join(Item, Item.id == ItemForm.item_id)
                         .where(Item.hall_id == hall_id).order_by(Item.code)).all()
    assert [(code, title) for code, title, _ in rows] == [("MZ02", "最低生活保障申请书（示范文本）"),
                                                          ("SJ05", "食品经营许可申请书（示范文本）")]
    assert all(size > 1000 for _, _, size in rows)


def test_forms_are_read_beside_the_hall_file_and_kept_when_loaded_again_without_them(db, tmp_path):
    path = write_hall(tmp_path, small_with_guide(), {"申请表.pdf": PDF})
    hall_id = load(db, hallfile.read(path))
    _, files = items_state(db, hall_id)
    assert [(f[2], f[3], f[4], f[6]) for f in files] == [("申请书示范文本", "申请表.pdf", "application/pdf", PDF)]
    # The same file from text (no folder): the form already loaded is kept.
    before = items_state(db, hall_id)
    load(db, hallfile.parse(small_with_guide()))
    assert items_state(db, hall_id) == before
    # A new version of the file replaces the bytes; a form no longer listed is removed.
    (tmp_path / "forms" / "申请表.pdf").write_bytes(PDF + b"v2")
    load(db, hallfile.read(path))
    assert items_state(db, hall_id)[1][0][6] == PDF + b"v2"
    load(db, hallfile.parse(small_with_guide(**{'forms = [{ title = "申请书示范文本", file = "申请表.pdf" }]\n': ''})))
    assert items_state(db, hall_id)[1] == []


@pytest.mark.parametrize("files, message", [
    ({}, "form file 申请表.pdf is neither in"),
    ({"申请表.pdf": b"MZ\x90\x00 a program renamed"}, "is not a .pdf file"),
    ({"申请表.pdf": b""}, "is empty"),
    ({"申请表.pdf": b"%PDF-" + b"0" * forms.MAX_BYTES}, "larger than"),
])
def test_a_missing_or_unacceptable_form_file_loads_nothing(db, tmp_path, files, message):
    hall_id = load(db, hallfile.parse(SMALL))
    before = items_state(db, hall_id)
    path = write_hall(tmp_path, small_with_guide(**{'name = "居民身份证申领"': 'name = "居民身份证申领（改）"'}), files)
    with pytest.raises(hallfile.HallFileError) as err:
        with db.write() as s:
            hallfile.load(s, hallfile.read(path), TODAY)
            s.commit()
    assert message in str(err.value)
    assert items_state(db, hall_id) == before


@pytest.mark.parametrize("old, new, message", [
    ('file = "申请表.pdf"', 'file = "../etc/申请表.pdf"', "no folders"),
    ('file = "申请表.pdf"', 'file = "申请表.exe"', "allowed kinds are"),
    ('nature = "non_permit"', 'nature = "licence"', "nature"),
    ('keywords = ["身份证", "办证"]', 'keywords = ["' + "长" * 31 + '"]', "at most 40 keywords"),
    ('conditions = ["本县常住户口"]', 'conditions = [""]', "each line 1 to 500 characters"),
])
def test_bad_guides_say_what_is_wrong(old, new, message):
    with pytest.raises(hallfile.HallFileError) as err:
        hallfile.parse(small_with_guide(**{old: new}))
    assert message in str(err.value)


def test_a_promise_not_half_the_legal_limit_loads_with_a_warning_and_a_longer_one_is_refused():
    spec = hallfile.parse(small_with_guide(**{"legal_days = 60\npromised_days = 20": "legal_days = 60\npromised_days = 31"}))
    assert hallfile.warnings(spec) == ["item GA01: The promised time limit is not at least 50% shorter than "
                                       "the legal one (seed 001 art. 13)."]
    assert hallfile.warnings(hallfile.parse(small_with_guide())) == []
    with pytest.raises(hallfile.HallFileError, match="promised_days cannot exceed legal_days"):
        hallfile.parse(small_with_guide(**{"legal_days = 60\npromised_days = 20": "legal_days = 60\npromised_days = 61"}))


def test_exporting_the_items_and_loading_them_again_changes_nothing(db, tmp_path):
    path = write_hall(tmp_path, small_with_guide(), {"申请表.pdf": PDF})
    spec = hallfile.read(path)
    hall_id = load(db, spec)
    before = items_state(db, hall_id)
    with db.read() as s:
        exported = hallfile.export_items(s, hall_id)
    ga01 = next(i for i in exported if i["code"] == "GA01")
    assert ga01["keywords"] == ["身份证", "办证"]
    assert ga01["guide"]["forms"] == [{"title": "申请书示范文本", "file": "申请表.pdf"}]
    assert ga01["guide"]["nature"] == "non_permit" and ga01["guide"]["result"] == "居民身份证"
    again = spec.model_copy(update={"items": [hallfile.ItemSpec.model_validate(i) for i in exported]})
    load(db, again)  # from data: the forms come from the database
    assert items_state(db, hall_id) == before


def test_load_hall_prints_the_warning(tmp_path):
    from tests.helpers import run_cli
    text = small_with_guide(**{"legal_days = 60\npromised_days = 20": "legal_days = 60\npromised_days = 40"})
    path = write_hall(tmp_path, text, {"申请表.pdf": PDF})
    done = run_cli("load-hall", str(path), "--db", f"sqlite:///{tmp_path / 'h.db'}")
    assert done.returncode == 0, done.stderr
    assert "warning: item GA01: The promised time limit is not at least 50% shorter" in done.stderr
    shutil.rmtree(tmp_path / "forms")
    done = run_cli("load-hall", str(path), "--db", f"sqlite:///{tmp_path / 'h.db'}")
    assert done.returncode == 0, done.stderr  # loaded before: kept
