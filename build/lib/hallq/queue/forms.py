"""The files an item's guide offers for download: 申请书示范文本 and blank forms.

One rule set for the hall file (`hallq load-hall`) and the admin page: a form
is a PDF, a Word or Excel document (old or new format), an OpenDocument text,
or a JPEG/PNG picture of the form, recognised by its first bytes as well as its
name (a renamed program is refused), at most MAX_BYTES. Citizens download them
free of charge (seed 001 第十三条: the guide and its forms are public), so a
form has no price of its own and the download needs no credential.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath

from hallq.queue.errors import Invalid

MAX_BYTES = 2 * 1024 * 1024  # a scanned two-page form; a guide's templates are far smaller
MAX_NAME = 120

_ZIP = b"PK\x03\x04"  # .docx, .xlsx and .odt are zip packages
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc and .xls (Compound File Binary)
# extension -> (content type, the first bytes it must start with)
KINDS: dict[str, tuple[str, bytes]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "doc": ("application/msword", _OLE),
    "xls": ("application/vnd.ms-excel", _OLE),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    "odt": ("application/vnd.oasis.opendocument.text", _ZIP),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
}
# A file name as shown and saved: letters (汉字 too), digits, spaces and a few signs; no path.
_NAME = re.compile(r"^[\w\u3000-\u303f\uff00-\uffef （）()《》、·.+\- ]+$")


def file_name(name: str) -> str:
    """The name a form is kept and offered under, or Invalid: no folders, a known extension."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME or "/" in name or "\\" in name or name.startswith(".") \
            or not _NAME.match(name):
        raise Invalid("invalid_input", detail="form file name: letters, digits, spaces and ()-_. only, "
                                              f"at most {MAX_NAME} characters, no folders")
    extension(name)
    return name


def extension(name: str) -> str:
    ext = PurePosixPath(name).suffix.lower().lstrip(".")
    if ext not in KINDS:
        raise Invalid("invalid_input", detail=f"form file {name!r}: allowed kinds are "
                                              f"{', '.join(sorted(KINDS))}")
    return ext


def check(name: str, data: bytes) -> str:
    """The content type of an acceptable form file, or Invalid saying why it is not one."""
    ext = extension(file_name(name))
    if not data:
        raise Invalid("invalid_input", detail=f"form file {name!r} is empty")
    if len(data) > MAX_BYTES:
        raise Invalid("invalid_input", detail=f"form file {name!r} is larger than {MAX_BYTES // 1024} KB")
    content_type, magic = KINDS[ext]
    if not data.startswith(magic):
        raise Invalid("invalid_input", detail=f"form file {name!r} is not a .{ext} file (its content says otherwise)")
    return content_type


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
