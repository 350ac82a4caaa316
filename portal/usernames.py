"""Usernames that could pass for someone else's: the platform's own names (and the beginning of
the names it gives verified citizens' accounts) are reserved for self-registration, and no name
may look like one already taken ("a1ice" beside "alice").

A name's *skeleton* folds what a reader's eye confuses: case, separators ('.', '_', '-'), digits
that read as letters (0→o, 1→l, 3→e, 4→a, 5→s, 7→t, 8→b), 'i' and 'l', "rn" and "m", "vv" and
"w". Two names with the same skeleton are one name; the database holds the skeleton under a
unique constraint, so two sign-ups racing for look-alike names cannot both win.
"""

from __future__ import annotations

import re

_DIGITS = str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"})
_SEPARATORS = re.compile(r"[._-]+")

# Names people would take for the platform or its staff: never given to a self-registered
# account (administrators may still create staff accounts as they see fit).
RESERVED = frozenset(
    {
        "admin",
        "administrator",
        "root",
        "system",
        "platform",
        "onestop",
        "support",
        "helpdesk",
        "security",
        "officer",
        "registration",
        "government",
        "gov",
        "official",
        "staff",
        "service",
        "noreply",
        "postmaster",
        "webmaster",
        "guanliyuan",
        "kefu",
        "zhengfu",
    }
)


def skeleton(username: str) -> str:
    folded = _SEPARATORS.sub("", username.strip().lower()).translate(_DIGITS)
    folded = folded.replace("rn", "m").replace("vv", "w")
    return folded.replace("i", "l")


_RESERVED_SKELETONS = frozenset(skeleton(name) for name in RESERVED)
# The platform names the accounts of citizens the real-name identity provider verified
# "citizen-…" (portal.store): a self-registered name beginning so could pass for one.
_CITIZEN_SKELETON = skeleton("citizen")


def is_reserved(username: str) -> bool:
    look = skeleton(username)
    return look in _RESERVED_SKELETONS or look.startswith(_CITIZEN_SKELETON)
