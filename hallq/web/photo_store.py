"""Where staff photos live: the app's photo directory (`create_app(photo_dir=...)`, `hallq serve --photos`).

A staff row's `photo` is a path inside it. The evaluator pad and the public
information screen read photos from here (photo_file); the admin page stores uploads here, under `staff/`, named by the staff
number and the picture's digest (a new picture is a new file: no cache shows an old one).
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import current_app

from hallq.queue import photos
from hallq.queue.errors import Refused
from hallq.queue.models import Staff

PHOTO_DIR_SETTING = "HALLQ_PHOTO_DIR"  # the app config key create_app sets


def photo_dir() -> Path | None:
    configured = current_app.config.get(PHOTO_DIR_SETTING)
    return Path(configured).resolve() if configured else None


def store(number: str, data: bytes, extension: str) -> str:
    """Writes a checked picture (hallq.queue.photos.check_upload); its path inside the photo directory."""
    base = photo_dir()
    if base is None:
        raise Refused("photo_dir_unset")
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", number)[:40]
    relative = f"staff/{safe}-{hashlib.sha256(data).hexdigest()[:12]}.{extension}"
    path = base / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return relative


def photo_file(staff: Staff | None) -> tuple[Path, str] | None:
    """The staff member's photo and its type, if it is an image inside the photo directory."""
    base = photo_dir()
    if staff is None or not staff.photo or base is None or not base.is_dir():
        return None
    try:
        path = (base / staff.photo).resolve()
        if not path.is_relative_to(base) or not path.is_file() or path.stat().st_size > photos.PHOTO_MAX_BYTES:
            return None
        with path.open("rb") as f:
            head = f.read(12)
    except (OSError, ValueError):
        return None
    mimetype = photos.image_type(head)
    return (path, mimetype) if mimetype else None
