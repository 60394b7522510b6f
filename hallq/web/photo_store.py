"""Where staff photos live: the app's photo directory (`create_app(photo_dir=...)`, `hallq serve --photos`).

A staff row's `photo` is a path inside it. The evaluator pad reads photos from
here; the admin page stores uploads here, under `staff/` (and a department's authorisation picture under
`departments/`), named by the staff number (department code) and the picture's digest (a new picture is a
new file: no cache shows an old one).
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import current_app

from hallq.queue import photos
from hallq.queue.errors import Refused

PHOTO_DIR_SETTING = "HALLQ_PHOTO_DIR"  # the app config key create_app sets


def photo_dir() -> Path | None:
    configured = current_app.config.get(PHOTO_DIR_SETTING)
    return Path(configured).resolve() if configured else None


def store(number: str, data: bytes, extension: str, folder: str = "staff") -> str:
    """Writes a checked picture (hallq.queue.photos.check_upload); its path inside the photo directory.
    `folder`: staff (photos), departments (pictures of their authorisations, 授权书)."""
    base = photo_dir()
    if base is None:
        raise Refused("photo_dir_unset")
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", number)[:40]
    relative = f"{folder}/{safe}-{hashlib.sha256(data).hexdigest()[:12]}.{extension}"
    path = base / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return relative


def picture_file(relative: str | None) -> tuple[Path, str] | None:
    """The picture at `relative` and its type, if it is an image file inside the photo directory."""
    base = photo_dir()
    if not relative or base is None or not base.is_dir():
        return None
    try:
        path = (base / relative).resolve()
        if not path.is_relative_to(base) or not path.is_file() or path.stat().st_size > photos.PHOTO_MAX_BYTES:
            return None
        with path.open("rb") as f:
            head = f.read(12)
    except (OSError, ValueError):
        return None
    mimetype = photos.image_type(head)
    return (path, mimetype) if mimetype else None
