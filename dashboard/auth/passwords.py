"""Password hashing: scrypt with a per-user random salt (werkzeug.security, shipped with Flask).

Hashes look like ``scrypt:32768:8:1$<salt>$<hex digest>``; :func:`verify_password` compares in
constant time.  :func:`verify_unknown_user` does the same amount of work against a dummy hash so
that an unknown user name takes as long to refuse as a wrong password.
"""

from __future__ import annotations

from functools import lru_cache

from werkzeug.security import check_password_hash, generate_password_hash

METHOD = "scrypt"
MIN_LENGTH = 8
HASH_PREFIXES = ("scrypt:", "pbkdf2:")


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password``, safe to store."""
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    return generate_password_hash(password, method=METHOD)


def password_problem(password: str) -> str | None:
    """Why ``password`` is not acceptable (Swedish), or ``None``."""
    if len(password) < MIN_LENGTH:
        return f"lösenordet måste ha minst {MIN_LENGTH} tecken"
    if password.strip() != password:
        return "lösenordet får inte börja eller sluta med mellanslag"
    return None


def verify_password(password_hash: str, password: str) -> bool:
    """Does ``password`` match ``password_hash``?  Constant-time comparison."""
    try:
        return check_password_hash(password_hash, password)
    except ValueError:  # malformed hash: treat as no match
        return False


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    return generate_password_hash("bibplan-dummy-password", method=METHOD)


def verify_unknown_user(password: str) -> bool:
    """Spend the same time as :func:`verify_password` and return ``False``."""
    check_password_hash(dummy_hash(), password)
    return False


def looks_like_hash(text: str) -> bool:
    return text.startswith(HASH_PREFIXES) and text.count("$") == 2
