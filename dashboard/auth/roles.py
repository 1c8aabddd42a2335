"""Roles and what each may do.

Three roles, each one allowed everything the one before it may do:

- ``läsare`` reads everything (e.g. the beställare's officials),
- ``redaktör`` also writes the Analys and Åtgärder texts,
- ``administratör`` also uploads data and undoes loads.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

Role = Literal["läsare", "redaktör", "administratör"]
Action = Literal["read", "write_comments", "upload", "undo"]

ROLES: tuple[str, ...] = get_args(Role)
ACTIONS: tuple[str, ...] = get_args(Action)

#: role -> the actions it may perform.
PERMISSIONS: dict[str, frozenset[str]] = {
    "läsare": frozenset({"read"}),
    "redaktör": frozenset({"read", "write_comments"}),
    "administratör": frozenset({"read", "write_comments", "upload", "undo"}),
}

#: Swedish description of each role, for the CLI and the app.
ROLE_DESCRIPTIONS_SV: dict[str, str] = {
    "läsare": "läser allt",
    "redaktör": "läser allt och skriver Analys/Åtgärder",
    "administratör": "läser, skriver, laddar upp data och ångrar inläsningar",
}

#: Spellings accepted on the command line for terminals without å/ä/ö (and English names).
ROLE_ALIASES: dict[str, str] = {
    "lasare": "läsare",
    "reader": "läsare",
    "redaktor": "redaktör",
    "editor": "redaktör",
    "administrator": "administratör",
    "admin": "administratör",
}


def normalise_role(text: str) -> str:
    """``"Admin"`` -> ``"administratör"``; raises ``ValueError`` for unknown roles."""
    key = text.strip().casefold()
    role = key if key in ROLES else ROLE_ALIASES.get(key)
    if role is None:
        raise ValueError(f"okänd roll {text!r}; välj en av: {', '.join(ROLES)}")
    return role


def can(user: Any, action: str) -> bool:
    """May ``user`` (anything with a ``role`` attribute, a role name, or ``None``) do ``action``?

    ``action`` is one of :data:`ACTIONS`; a misspelt action raises ``ValueError`` rather than
    silently denying (or allowing) it.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; expected one of {ACTIONS}")
    if user is None:
        return False
    role = user if isinstance(user, str) else getattr(user, "role", None)
    return action in PERMISSIONS.get(role, frozenset())
