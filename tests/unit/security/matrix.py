"""Role × operation test matrix, for every service that checks permissions.

Usage in a test::

    MATRIX = {"list users": {"admin": True, "hr": False, ...}, ...}
    OPS = {"list users": lambda p: svc.users(p), ...}
    assert_matrix(MATRIX, OPS)

Each operation is called once per role with a principal of that role; ``True`` means it must not
raise ``PermissionDenied``, ``False`` means it must. Other ``AppError``s count as "allowed" (the
permission check passed and the operation failed for another reason, e.g. a missing record).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.errors import AppError
from app.security.permissions import BUILTIN_ROLES, PermissionDenied, Principal, principal_for

ROLES = tuple(BUILTIN_ROLES)


def principal(role: str, department_id: int | None = None, username: str | None = None) -> Principal:
    return principal_for(username or f"test_{role}", role, department_id)


def outcome(op: Callable[[Principal], Any], who: Principal) -> bool:
    """True when the operation passed the permission check."""
    try:
        op(who)
    except PermissionDenied:
        return False
    except AppError:
        return True
    return True


def run_matrix(matrix: Mapping[str, Mapping[str, bool]], ops: Mapping[str, Callable[[Principal], Any]], *,
               department_id: int | None = None) -> list[str]:
    """Mismatches as readable lines ("hr may not: list users")."""
    assert set(matrix) == set(ops), "every operation in the matrix needs a callable and vice versa"
    wrong = []
    for name, expected in matrix.items():
        for role, allowed in expected.items():
            got = outcome(ops[name], principal(role, department_id))
            if got != allowed:
                wrong.append(f"{role} {'may' if got else 'may not'}: {name} (expected the opposite)")
    return wrong


def assert_matrix(matrix: Mapping[str, Mapping[str, bool]], ops: Mapping[str, Callable[[Principal], Any]], *,
                  department_id: int | None = None) -> None:
    wrong = run_matrix(matrix, ops, department_id=department_id)
    assert not wrong, "\n".join(wrong)
