"""Staff photos (亮证上岗): what counts as one, by its first bytes and its size.

The evaluator pad shows only a file that passes `image_type` (a file that is
not a picture would be a broken image on the citizen's screen); the admin page
takes an upload only if it passes `check_upload`. One rule for both.
"""
from __future__ import annotations

from hallq.queue.errors import Invalid

IMAGE_MAGIC: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
PHOTO_MAX_BYTES = 5 * 1024 * 1024  # the largest file the pad shows
# The largest upload: an ID photo (二寸, 413x579) is 30-100 KB as JPEG; the request itself is capped
# at 256 KB (hallq.web.bounds) and carries the picture as base64 (a third larger).
UPLOAD_MAX_BYTES = 160 * 1024


def image_type(head: bytes) -> str | None:
    """The picture type a file's first 12 bytes show (JPEG, PNG, WebP), or None."""
    for mimetype, magics in IMAGE_MAGIC.items():
        if any(head.startswith(m) for m in magics) and (mimetype != "image/webp" or head[8:12] == b"WEBP"):
            return mimetype
    return None


def check_upload(data: bytes) -> str:
    """The file extension of an uploaded photo, or 400 saying why it is refused."""
    if len(data) > UPLOAD_MAX_BYTES:
        raise Invalid("photo_too_large", size=len(data) // 1024, limit=UPLOAD_MAX_BYTES // 1024)
    mimetype = image_type(data[:12])
    if mimetype is None:
        raise Invalid("photo_not_image")
    return EXTENSIONS[mimetype]
