"""Login and roles for the bibplan app.

Enable on the Dash app with one call (see :func:`init_dash_auth`)::

    from dashboard.auth import default_users_path, init_dash_auth
    init_dash_auth(app, default_users_path(), host=host)

and check rights in callbacks with ``permitted("upload")`` / ``current_user()``.
"""

from dashboard.auth.passwords import hash_password, password_problem, verify_password
from dashboard.auth.roles import ACTIONS, PERMISSIONS, ROLE_DESCRIPTIONS_SV, ROLES, can, normalise_role
from dashboard.auth.users import (
    UserEntry,
    UsersFile,
    add_user,
    default_users_path,
    has_users,
    load_users,
    remove_user,
)
from dashboard.auth.web import (
    AuthSetupError,
    CurrentUser,
    auth_required,
    current_user,
    init_auth,
    init_dash_auth,
    is_loopback,
    permitted,
    require,
)

__all__ = [
    "ACTIONS",
    "PERMISSIONS",
    "ROLES",
    "ROLE_DESCRIPTIONS_SV",
    "AuthSetupError",
    "CurrentUser",
    "UserEntry",
    "UsersFile",
    "add_user",
    "auth_required",
    "can",
    "current_user",
    "default_users_path",
    "has_users",
    "hash_password",
    "init_auth",
    "init_dash_auth",
    "is_loopback",
    "load_users",
    "normalise_role",
    "password_problem",
    "permitted",
    "remove_user",
    "require",
    "verify_password",
]
