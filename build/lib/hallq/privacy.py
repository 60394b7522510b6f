"""Personal data: ID and phone numbers are checked, masked and hashed, never kept whole."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

# ASCII digits only: "\d" alone takes fullwidth and other scripts' digits, and the same person's number
# typed in them would hash differently (one ticket per person) and print as they were typed.
_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")
_PHONE_RE = re.compile(r"^1[0-9]{10}$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def normalize_id(raw: str) -> str | None:
    """A valid 18-digit resident ID (GB 11643 checksum) in canonical form, else None."""
    value = raw.strip().upper()
    if not _ID_RE.match(value):
        return None
    total = sum(int(c) * w for c, w in zip(value[:17], _WEIGHTS))
    if _CHECK[total % 11] != value[17]:
        return None
    try:
        birth_date(value)
    except ValueError:
        return None
    return value


def birth_date(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def age_on(id_number: str, day: dt.date) -> int:
    born = birth_date(id_number)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def normalize_phone(raw: str) -> str | None:
    value = re.sub(r"[\s-]", "", raw)
    return value if _PHONE_RE.match(value) else None


def mask_id(id_number: str) -> str:
    return id_number[:3] + "*" * 11 + id_number[-4:]


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


def mask_name(name: str) -> str:
    """A complainant's name as anyone but the supervision office sees it: the first character, then stars."""
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_contact(contact: str) -> str:
    """A phone number masked as on tickets; anything else (an address, a landline) shows its first 3
    and last 2 characters at most, so it points nowhere."""
    phone = normalize_phone(contact)
    if phone:
        return mask_phone(phone)
    value = contact.strip()
    if len(value) <= 5:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


def id_hash(secret: str, id_number: str) -> str:
    """Keyed hash: lets the hall spot a second ticket for one person without the number."""
    return hmac.new(secret.encode(), id_number.encode(), hashlib.sha256).hexdigest()
