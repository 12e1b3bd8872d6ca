"""Password hashing (argon2id) and the password rules of the hospital."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.errors import InvalidInput
from app.i18n import _

MIN_LENGTH = 8

# argon2id at the OWASP minimum (19 MiB, 2 passes): ~0.1 s per hash on a 2-core office PC.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16,
                         type=Type.ID)
# A fixed hash to verify against for unknown users, so timing does not reveal which names exist.
_DUMMY_HASH = _HASHER.hash("hrdesk-dummy-password-for-timing")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    if not stored_hash:
        _burn(password)
        return False
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return _HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def _burn(password: str) -> None:
    try:
        _HASHER.verify(_DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        pass


def burn_time(password: str) -> None:
    """Spend the time of one verification (for a user name that does not exist)."""
    _burn(password)


def check_password_rules(password: str, username: str) -> None:
    """Raise ``InvalidInput`` naming the first rule the new password breaks."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(_("The password must have at least {n} characters.").format(n=MIN_LENGTH))
    if password.strip() != password:
        raise InvalidInput(_("The password must not begin or end with a space."))
    low = password.lower()
    name = username.strip().lower()
    if name and (low == name or name in low or low in name):
        raise InvalidInput(_("The password must not contain the user name."))
    classes = sum((
        any(c.isalpha() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ))
    if classes < 2:
        raise InvalidInput(_("The password must mix at least two kinds of characters: letters, digits, symbols."))
    if len(set(password)) < 4:
        raise InvalidInput(_("The password is too simple; use at least four different characters."))
