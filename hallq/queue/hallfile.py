"""The hall file (TOML): a hall, its departments, items, windows and staff.

`load()` creates or updates the hall from a file without losing history:
rows are matched by their codes and numbers and updated in place; anything the
file no longer names is deactivated, never deleted, so old tickets and
assessments still point at it. See `hallq/data/demo_hall.toml` for a full example.
"""
from __future__ import annotations

import datetime as dt
import secrets
import tomllib
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w  # writes TOML (export); the standard library only reads it
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hallq.queue import estimates, forms, staffing
from hallq.queue.errors import QueueError
from hallq.queue.halls import forget_halls
from hallq.queue.models import Department, Hall, Item, ItemForm, Staff, Window, WindowItem, WindowPost
from hallq.queue.settings import HallSettings


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# 事项性质: an administrative licence (行政许可), another approval (非许可), or a filing (备案).
NATURES = ("permit", "non_permit", "filing")


class FormSpec(_Strict):
    """A downloadable file of the guide: `file` is its name, read from the `forms/` folder beside the hall file
    (a form already loaded under that name is kept when the folder has none)."""

    title: str = Field(min_length=1, max_length=200)
    file: str = Field(min_length=1, max_length=forms.MAX_NAME)

    @field_validator("file")
    @classmethod
    def _name(cls, value: str) -> str:
        try:
            return forms.file_name(value)
        except QueueError as exc:
            raise ValueError(exc.params.get("detail", exc.code)) from None


class Guide(_Strict):
    """办事指南: what the hall publishes about an item (五公开/六公开, seed 004; seed 001 第十三条).

    All limits are in working days. A promised limit longer than the legal one is
    refused; one that is not at least 50% shorter (seed 001 第十三条) loads with a
    warning (`warnings()`), as some items cannot be promised faster by the hall alone.
    """

    nature: Literal["permit", "non_permit", "filing"] | None = None  # 事项性质
    basis: str = Field("", max_length=2000)  # 设定依据 (legal basis)
    conditions: list[str] = []  # 申请条件
    quantity_limit: str = Field("", max_length=500)  # 数量限制; empty: none
    materials: list[str] = []  # 材料目录
    procedure: list[str] = []  # 办理程序
    legal_days: int | None = Field(None, ge=0, le=3650)  # 法定时限
    promised_days: int | None = Field(None, ge=0, le=3650)  # 承诺时限; 0: an immediate item (即办件)
    # Why the promise is not at least 50% shorter than the law's limit, recorded by the hall (seed 001 第十三条:
    # "确因特殊情况不能压缩的，须说明理由"); with it the item loads without the warning.
    promise_reason: str = Field("", max_length=500)
    fee: str = Field("不收费", max_length=500)  # 收费标准
    fee_basis: str = Field("", max_length=1000)  # 收费依据
    forms: list[FormSpec] = []  # 申请书示范文本 and blank forms, downloaded free of charge
    supervision: str = Field("", max_length=500)  # 监督渠道 (phone, mailbox, complaint desk)
    result: str = Field("", max_length=500)  # 办理结果 (the licence, certificate or reply the citizen gets)
    service_minutes: float | None = Field(None, gt=0, le=600)  # typical service time, seeds the estimate

    @field_validator("conditions", "materials", "procedure")
    @classmethod
    def _lines(cls, rows: list[str]) -> list[str]:
        rows = [r.strip() for r in rows]
        if any(not r or len(r) > 500 for r in rows) or len(rows) > 100:
            raise ValueError("each line 1 to 500 characters, at most 100 lines")
        return rows

    @field_validator("forms")
    @classmethod
    def _forms_once(cls, rows: list[FormSpec]) -> list[FormSpec]:
        names = [f.file for f in rows]
        if len(names) != len(set(names)):
            raise ValueError("a form file is listed twice")
        return rows

    @model_validator(mode="after")
    def _promise_within_law(self):
        if self.legal_days is not None and self.promised_days is not None and self.promised_days > self.legal_days:
            raise ValueError("承诺时限不得超过法定时限 (promised_days cannot exceed legal_days)")
        return self

    def warnings(self) -> list[str]:
        """Codes (hallq.i18n) of what is allowed but against the rules' advice."""
        if self.legal_days and self.promised_days is not None and self.promised_days * 2 > self.legal_days \
                and not self.promise_reason.strip():
            return ["promise_not_half"]
        return []


class HallSpec(HallSettings):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1)
    timezone: str = "Asia/Shanghai"
    live_from: dt.date | None = None  # the first day in hallq; default: the day the hall is first loaded

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {zone!r} (an IANA name such as Asia/Shanghai)") from None
        return zone


class DepartmentSpec(_Strict):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1)
    # The authorisation (授权书) posted at its window: the text (授权事项、期限), and a picture of the signed paper
    # (a path in the photo directory, as a staff member's photo).
    authorisation: str | None = Field(None, max_length=4000)
    authorisation_image: str | None = Field(None, max_length=300)


class ItemSpec(_Strict):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1)
    department: str
    prefix: str = Field(pattern=r"^[A-Z]{1,2}$")
    daily_quota: int = Field(0, ge=0, le=100_000)
    guide: Guide = Guide()
    keywords: list[str] = []  # what citizens call it (医保, 二手房): the kiosk's search finds the item by these

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, words: list[str]) -> list[str]:
        words = list(dict.fromkeys(w.strip() for w in words if w.strip()))
        if len(words) > 40 or any(len(w) > 30 for w in words):
            raise ValueError("at most 40 keywords of at most 30 characters")
        return words


class WindowSpec(_Strict):
    number: int = Field(ge=1)
    name: str = Field(min_length=1)
    kind: Literal["independent", "comprehensive"] = "independent"
    department: str | None = None
    # In order of preference; a nested list is a tier served first-come together.
    items: list[str | list[str]] = Field(min_length=1)
    posts: dict[Literal["A", "B"], str] = {}
    live_from: dt.date | None = None  # default: the hall's, for a window loaded with it; else the day first loaded
    # The devices bound to it: its LED screen's address on the hall's LED bus (none: no screen), and the printer
    # its notices print on (none: the one named window-<number>), as the device agent names it.
    led: int | None = Field(None, ge=0, le=65535)
    printer: str | None = Field(None, min_length=1, max_length=120, pattern=r"^[^\s:/]+$")

    def tiers(self) -> list[list[str]]:
        return [[entry] if isinstance(entry, str) else entry for entry in self.items]


class StaffSpec(_Strict):
    number: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1)
    department: str | None = None
    photo: str | None = None
    live_from: dt.date | None = None  # default: as for a window


class HallFile(_Strict):
    hall: HallSpec
    departments: list[DepartmentSpec] = []
    items: list[ItemSpec] = []
    windows: list[WindowSpec] = []
    staff: list[StaffSpec] = []
    # The folder the file was read from: form files are read from its `forms/` folder (None: from text).
    _base: Path | None = PrivateAttr(None)

    @field_validator("departments", "items", "windows", "staff")
    @classmethod
    def _unique(cls, rows, info):
        key = "number" if info.field_name in ("windows", "staff") else "code"
        seen = [getattr(r, key) for r in rows]
        dupes = sorted({str(k) for k in seen if seen.count(k) > 1})
        if dupes:
            raise ValueError(f"duplicate {key}: {', '.join(dupes)}")
        return rows

    @model_validator(mode="after")
    def _references(self):
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def problems(self) -> list[str]:
        """What the file names that it does not define; `load` asks again, as a spec may change after parsing."""
        depts = {d.code for d in self.departments}
        items = {i.code for i in self.items}
        staff = {s.number for s in self.staff}
        problems = []
        for i in self.items:
            if i.department not in depts:
                problems.append(f"item {i.code}: unknown department {i.department}")
        for w in self.windows:
            if w.department and w.department not in depts:
                problems.append(f"window {w.number}: unknown department {w.department}")
            codes = [c for tier in w.tiers() for c in tier]
            for c in codes:
                if c not in items:
                    problems.append(f"window {w.number}: unknown item {c}")
            if len(codes) != len(set(codes)):
                problems.append(f"window {w.number}: an item is listed twice")
            for post, number in w.posts.items():
                if number not in staff:
                    problems.append(f"window {w.number}: post {post} names unknown staff {number}")
        for s in self.staff:
            if s.department and s.department not in depts:
                problems.append(f"staff {s.number}: unknown department {s.department}")
        windows = {w.number for w in self.windows}
        # One LED bus per hall (an RS-485 chain): an address names one screen, so one window.
        leds: dict[int, list[int]] = {}
        for w in self.windows:
            if w.led is not None:
                leds.setdefault(w.led, []).append(w.number)
        problems += [f"windows {', '.join(map(str, ns))}: the same LED address {a}" for a, ns in leds.items()
                     if len(ns) > 1]
        names = [d.name for d in self.hall.displays]
        problems += [f"display {n}: the name is used twice" for n in sorted({n for n in names if names.count(n) > 1})]
        for d in self.hall.displays:
            if d.department and d.department not in depts:
                problems.append(f"display {d.name}: unknown department {d.department}")
            problems += [f"display {d.name}: unknown window {n}" for n in d.windows if n not in windows]
            problems += [f"display {d.name}: unknown item {c}" for c in d.items if c not in items]
        return problems + self._chief_problems()

    def _chief_problems(self) -> list[str]:
        """A chief representative (首席代表) must be one of the department's own staff in the file.

        Each department appoints its chief from the staff it sends to the hall
        (seed 000, 首席代表制 第二条). The file lists every active staff member
        (a staff row it no longer names is deactivated), so a chief missing from
        it would leave the department's bad reviews with nobody to follow them up.
        """
        staff = {s.number: s for s in self.staff}
        depts = {d.code for d in self.departments}
        problems = []
        for code, number in self.hall.ratings.chiefs.items():
            key = f"hall.ratings.chiefs.{code}"
            if code not in depts:
                problems.append(f"{key}: unknown department {code}")
            elif number not in staff:
                problems.append(f"{key}: unknown staff {number!r} (a chief must be listed under [[staff]])")
            elif staff[number].department != code:
                problems.append(f"{key}: staff {number} is not of department {code}"
                                f" (theirs: {staff[number].department or 'none'})")
        return problems


class HallFileError(ValueError):
    """A hall file that cannot be loaded, with every problem found."""


def parse(text: str) -> HallFile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise HallFileError(f"not valid TOML: {exc}") from exc
    return validate(data)


def validate(data: dict) -> HallFile:
    """A hall file given as data (the admin pages' edits of an exported one): the same rules as `parse`."""
    try:
        return HallFile.model_validate(data)
    except ValidationError as exc:
        lines = [f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}" for e in exc.errors()]
        raise HallFileError("\n".join(lines)) from exc


def read(path: str | Path) -> HallFile:
    spec = parse(Path(path).read_text(encoding="utf-8"))
    spec._base = Path(path).resolve().parent
    return spec


def warnings(spec: HallFile) -> list[str]:
    """What loads but goes against the rules' advice, one line per item (English: the CLI's language)."""
    from hallq.i18n import message
    return [f"item {i.code}: {message(code, 'en')}" for i in spec.items for code in i.guide.warnings()]


def load(session: Session, spec: HallFile, today: dt.date) -> Hall:
    """Create or update the hall described by spec; the caller commits.

    `today` (hall-local) is the day a hall, window or staff member first loaded
    went live, unless the file names its `live_from`: a new window or staff member
    loaded with a new hall takes the hall's day.
    """
    problems = spec.problems()
    if problems:
        raise HallFileError("; ".join(problems))
    h = spec.hall
    hall = session.scalar(select(Hall).where(Hall.code == h.code))
    if hall is None:
        hall = Hall(code=h.code, secret=secrets.token_hex(32), live_from=h.live_from or today)
        session.add(hall)
        today = hall.live_from
    elif h.live_from:
        hall.live_from = h.live_from
    hall.name, hall.timezone = h.name, h.timezone
    hall.settings = HallSettings.model_validate(
        h.model_dump(exclude={"code", "name", "timezone", "live_from"})).model_dump(mode="json")
    session.flush()

    def set_department(row: Department, d: DepartmentSpec):
        row.name, row.authorisation, row.authorisation_image = d.name, d.authorisation, d.authorisation_image

    depts = _sync(session, Department, hall.id, "code", spec.departments, set_department)

    def set_item(row: Item, i: ItemSpec):
        set_item_fields(row, i, depts[i.department].id)

    items = _sync(session, Item, hall.id, "code", spec.items, set_item)
    for i in spec.items:
        sync_forms(session, items[i.code], i.guide.forms, spec._base)

    def set_staff(row: Staff, s: StaffSpec):
        row.name, row.photo = s.name, s.photo
        row.live_from = s.live_from or row.live_from or (today if row.id is None else None)
        row.department_id = depts[s.department].id if s.department else None

    staff = _sync(session, Staff, hall.id, "number", spec.staff, set_staff)

    def set_window(row: Window, w: WindowSpec):
        row.name, row.kind, row.led_address, row.printer = w.name, w.kind, w.led, w.printer
        row.live_from = w.live_from or row.live_from or (today if row.id is None else None)
        row.department_id = depts[w.department].id if w.department else None

    windows = _sync(session, Window, hall.id, "number", spec.windows, set_window)

    # What a window serves and who holds its posts are current configuration,
    # not history, so they are replaced wholesale.
    for w in spec.windows:
        window = windows[w.number]
        session.execute(delete(WindowItem).where(WindowItem.window_id == window.id))
        session.execute(delete(WindowPost).where(WindowPost.window_id == window.id))
        for tier, codes in enumerate(w.tiers()):
            for code in codes:
                session.add(WindowItem(window_id=window.id, item_id=items[code].id, tier=tier))
        for post, number in w.posts.items():
            session.add(WindowPost(window_id=window.id, post=post, staff_id=staff[number].id))
    session.flush()
    forget_halls()
    estimates.forget(session, hall.id)
    staffing.forget(session, hall.id)
    return hall


def set_item_fields(row: Item, i: ItemSpec, department_id: int) -> None:
    """An item's row from its spec: the one place the hall file and the admin page write an item."""
    row.name, row.prefix, row.daily_quota = i.name, i.prefix, i.daily_quota
    row.department_id = department_id
    row.guide = i.guide.model_dump(mode="json", exclude={"forms"})  # the files are ItemForm rows
    row.keywords = list(i.keywords)


def sync_forms(session: Session, item: Item, wanted: list[FormSpec], base: Path | None) -> None:
    """The item's form files as `wanted` lists them, in its order; a file in `base`/forms/ replaces the kept one.

    Forms are the guide's current content, not history: one no longer listed is removed.
    """
    session.flush()  # a new item needs its id
    kept = {f.name: f for f in session.scalars(select(ItemForm).where(ItemForm.item_id == item.id))}
    for position, form in enumerate(wanted):
        path = base / "forms" / form.file if base is not None else None
        row = kept.pop(form.file, None)
        if path is not None and path.is_file():
            data = path.read_bytes()
            try:
                content_type = forms.check(form.file, data)
            except QueueError as exc:
                raise HallFileError(f"item {item.code}: {exc.params.get('detail')}") from None
            if row is None:
                row = ItemForm(item_id=item.id, name=form.file)
                session.add(row)
            row.content_type, row.size, row.sha256, row.data = content_type, len(data), forms.digest(data), data
        elif row is None:
            where = f"{base / 'forms'}" if base is not None else "the forms/ folder beside the hall file"
            raise HallFileError(f"item {item.code}: form file {form.file} is neither in {where} nor loaded before")
        row.title, row.position = form.title, position
    for row in kept.values():
        session.delete(row)
    session.flush()


def item_spec(item: Item, department_code: str, item_forms: list[ItemForm]) -> ItemSpec:
    """An item as the hall file writes it (the export): loading it again changes nothing."""
    guide = dict(item.guide or {})
    guide["forms"] = [{"title": f.title, "file": f.name} for f in sorted(item_forms, key=lambda f: f.position)]
    return ItemSpec.model_validate({"code": item.code, "name": item.name, "department": department_code,
                                    "prefix": item.prefix, "daily_quota": item.daily_quota, "guide": guide,
                                    "keywords": list(item.keywords or [])})


def export_items(session: Session, hall_id: int) -> list[dict]:
    """The hall's active items as the hall file's [[items]] tables (plain data, ready for a TOML writer)."""
    rows = session.execute(select(Item, Department.code).join(Department, Department.id == Item.department_id)
                           .where(Item.hall_id == hall_id, Item.active.is_(True)).order_by(Item.id)).all()
    by_item: dict[int, list[ItemForm]] = {}
    for f in session.scalars(select(ItemForm).join(Item, Item.id == ItemForm.item_id).where(Item.hall_id == hall_id)):
        by_item.setdefault(f.item_id, []).append(f)
    return [item_spec(item, code, by_item.get(item.id, [])).model_dump(mode="json", exclude_none=True)
            for item, code in rows]


def _sync(session: Session, model, hall_id: int, key: str, specs, update) -> dict:
    """Upsert rows by key, deactivating the ones the file dropped."""
    existing = {getattr(r, key): r for r in session.scalars(select(model).where(model.hall_id == hall_id))}
    result = {}
    for spec in specs:
        k = getattr(spec, key)
        row = existing.pop(k, None)
        if row is None:
            row = model(hall_id=hall_id, **{key: k})
            session.add(row)
        row.active = True
        update(row, spec)
        result[k] = row
    for row in existing.values():
        row.active = False
    session.flush()
    return result


def export(session: Session, hall: Hall) -> HallFile:
    """The hall as a hall file: what is active now, so loading it again changes nothing.

    Rows no longer active are left out, as `load` leaves them deactivated; a
    window's items keep their tiers (a tier of one is written as a plain code).
    """
    depts = {d.id: d for d in session.scalars(select(Department).where(Department.hall_id == hall.id))}
    staff = {s.id: s for s in session.scalars(select(Staff).where(Staff.hall_id == hall.id))}
    items = {i.id: i for i in session.scalars(select(Item).where(Item.hall_id == hall.id))}
    windows = session.scalars(select(Window).where(Window.hall_id == hall.id, Window.active.is_(True))
                              .order_by(Window.number)).all()
    tiers: dict[int, dict[int, list[str]]] = {}
    for wi in session.scalars(select(WindowItem).where(WindowItem.window_id.in_([w.id for w in windows]))
                              .order_by(WindowItem.tier, WindowItem.item_id)):
        if items[wi.item_id].active:  # a withdrawn item's rows stay for its history; the file has it no more
            tiers.setdefault(wi.window_id, {}).setdefault(wi.tier, []).append(items[wi.item_id].code)
    posts: dict[int, dict[str, str]] = {}
    for wp in session.scalars(select(WindowPost).where(WindowPost.window_id.in_([w.id for w in windows]))):
        posts.setdefault(wp.window_id, {})[wp.post] = staff[wp.staff_id].number
    code = lambda dept_id: depts[dept_id].code if dept_id else None  # noqa: E731
    return HallFile.model_validate({
        "hall": {"code": hall.code, "name": hall.name, "timezone": hall.timezone, "live_from": hall.live_from,
                 **hall.settings},
        "departments": [{"code": d.code, "name": d.name, "authorisation": d.authorisation,
                         "authorisation_image": d.authorisation_image}
                        for d in sorted(depts.values(), key=lambda d: d.code) if d.active],
        "items": sorted(export_items(session, hall.id), key=lambda i: i["code"]),  # with guides, keywords, forms
        "windows": [{"number": w.number, "name": w.name, "kind": w.kind, "department": code(w.department_id),
                     "items": [t[0] if len(t) == 1 else sorted(t) for _, t in sorted(tiers.get(w.id, {}).items())],
                     "posts": posts.get(w.id, {}), "live_from": w.live_from, "led": w.led_address,
                     "printer": w.printer} for w in windows],
        "staff": [{"number": s.number, "name": s.name, "department": code(s.department_id), "photo": s.photo,
                   "live_from": s.live_from} for s in sorted(staff.values(), key=lambda s: s.number) if s.active],
    })


def to_toml(spec: HallFile) -> str:
    """A hall file's text, as `hallq load-hall` reads it (None and defaults left out)."""
    data = spec.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data["hall"] = {"code": spec.hall.code, "name": spec.hall.name, **data["hall"]}  # never left out
    return tomli_w.dumps(_toml_keys(data))


def _toml_keys(value):
    """TOML keys are strings: the official calendar's years are numbers in the model."""
    if isinstance(value, dict):
        return {str(k): _toml_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_toml_keys(v) for v in value]
    return value
