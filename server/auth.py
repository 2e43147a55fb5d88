"""Who may connect: device tokens, clerks' passwords, and slowing down those who guess.

Passwords are stored as Argon2id hashes (argon2-cffi): salted and deliberately slow, so a copied
database does not give the passwords away.  Verification runs in a worker thread so a sign-in
never stalls the queue for everyone else.  Failed attempts are slowed down per name and per
address, and the reply never says whether the name or the password was wrong.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_PASSWORD = 6
SUPERVISOR_SESSION_S = 12 * 3600  # a supervisor console's session token works for 12 hours


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; a missing clerk still costs one hash, so timing tells nothing."""
    try:
        return _hasher.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


_DUMMY = _hasher.hash(secrets.token_hex(16))


def new_session_token() -> tuple[str, str]:
    """(token for the client, hash to store): a stolen database cannot resume a sign-in."""
    token = secrets.token_urlsafe(24)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class Throttle:
    """Delay before answering a failed sign-in: doubles with each failure, up to ``cap`` seconds.

    Keyed separately by name and by address, so guessing many names from one machine or one
    name from many machines are both slowed.  A success clears the name's count.
    """

    def __init__(self, base: float = 0.5, cap: float = 8.0, forget_after: float = 900.0) -> None:
        self.base, self.cap, self.forget_after = base, cap, forget_after
        self._failures: dict[str, tuple[int, float]] = {}

    def delay(self, *keys: str) -> float:
        now = time.monotonic()
        worst = 0
        for key in keys:
            count, last = self._failures.get(key, (0, 0.0))
            if now - last > self.forget_after:
                count = 0
            worst = max(worst, count)
        return 0.0 if worst == 0 else min(self.cap, self.base * 2 ** (worst - 1))

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        for key in keys:
            count, last = self._failures.get(key, (0, 0.0))
            if now - last > self.forget_after:
                count = 0
            self._failures[key] = (count + 1, now)
        if len(self._failures) > 10000:  # bounded memory under a flood of names
            cutoff = now - self.forget_after
            self._failures = {k: v for k, v in self._failures.items() if v[1] >= cutoff}

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)
