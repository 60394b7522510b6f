"""The password policy (等保2.0 身份鉴别: 口令复杂度) and passwords made for people.

A password has at least 8 characters of at least three of four classes
(lower case, upper case, digits, other signs) and does not contain the
username. At most 128 characters: scrypt hashes whatever it is given, and a
megabyte-long "password" must not cost the server more than a real one.
A password an admin or the system made is known to someone other than its
owner, so it must be changed at the first login (accounts.User.must_change_password).
"""
from __future__ import annotations

import secrets

from hallq.queue.errors import Invalid

MIN_LENGTH, MAX_LENGTH, MIN_CLASSES = 8, 128, 3
GENERATED_LENGTH = 14
# No look-alikes (0/O, 1/l/I) in what someone reads off a slip of paper.
_GENERATED = (
    "abcdefghijkmnopqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "-_.!@#%+=",
)


def classes(password: str) -> int:
    """How many of the four classes the password uses."""
    return sum((any(c.islower() for c in password), any(c.isupper() for c in password),
                any(c.isdigit() for c in password), any(not c.isalnum() for c in password)))


def check(password: str, username: str = "") -> None:
    """Refuse a password the policy does not allow, saying why (400)."""
    if len(password) < MIN_LENGTH:
        raise Invalid("weak_password", detail=f"at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise Invalid("weak_password", detail=f"at most {MAX_LENGTH} characters")
    if classes(password) < MIN_CLASSES:
        raise Invalid("weak_password", detail="at least three of: lower case, upper case, digits, other signs")
    if username and username.lower() in password.lower():
        raise Invalid("weak_password", detail="it may not contain the username")


def generate() -> str:
    """A random password of every class, which the policy allows."""
    pool = "".join(_GENERATED)
    while True:
        password = "".join(secrets.choice(pool) for _ in range(GENERATED_LENGTH))
        if classes(password) == 4:
            return password
