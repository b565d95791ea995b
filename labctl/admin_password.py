"""The experimenter's admin password: how it is hashed, checked and judged strong enough.

The password is kept for a database (``labctl run --resume`` must not change it under an
experimenter who wrote it down), so it is stored; only as a salted scrypt hash, so that a copy
of ``labctl.db`` does not hand out the admin of the next session run from it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from .errors import LabctlError

#: scrypt's cost: about 16 MiB and a few tens of ms per check, so guessing offline is slow
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SCHEME = "scrypt"
MIN_LENGTH = 10
MIN_DISTINCT = 5
#: passwords people type first; each is refused however long it is
COMMON = frozenset({"password", "passw0rd", "password1", "password123", "1234567890",
                    "0123456789", "qwertyuiop", "qwertzuiop", "azertyuiop", "letmein123",
                    "administrator", "adminadmin", "labctladmin", "experiment"})


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (hex) with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"{SCHEME}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def password_matches(stored: str, given: object) -> bool:
    """Whether ``given`` is the password hashed in ``stored``; constant-time comparison.

    A stored value this module did not write matches nothing (never a crash at login)."""
    if not isinstance(given, str):
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        expected = bytes.fromhex(digest)
        actual = _scrypt(given, bytes.fromhex(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return scheme == SCHEME and hmac.compare_digest(expected, actual)


def weakness(password: str) -> str | None:
    """Why ``password`` is too weak to protect every answer of a lab, or None."""
    if len(password) < MIN_LENGTH:
        return f"it has {len(password)} characters; at least {MIN_LENGTH} are needed"
    if len(set(password)) < MIN_DISTINCT:
        return f"it uses fewer than {MIN_DISTINCT} different characters"
    if password.lower() in COMMON:
        return "it is one of the first passwords anyone guesses"
    return None


def require_strong(password: str, source: str = "LABCTL_ADMIN_PASSWORD") -> None:
    """Refuse a weak password before anything is served behind it."""
    reason = weakness(password)
    if reason:
        raise LabctlError(f"{source} is too weak: {reason}",
                          f"use at least {MIN_LENGTH} characters, e.g. random words, or leave "
                          f"{source} unset and labctl makes a random password")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # "surrogatepass": a form field may hold lone surrogates; they must hash, not crash
    return hashlib.scrypt(password.encode("utf-8", "surrogatepass"), salt=salt, n=n, r=r, p=p,
                          maxmem=64 * 1024 * 1024, dklen=32)
