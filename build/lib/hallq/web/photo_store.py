"""Where staff photos live: the app's photo directory (`create_app(photo_dir=...)`, `hallq serve --photos`).

A staff row's `photo` is a path inside it. The evaluator pad reads photos from
here; the admin page stores uploads here, under `staff/`, named by the staff
number and the picture's digest (a new picture is a new file: no cache shows an old one).
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import current_app

from hallq.queue.errors import Refused

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
