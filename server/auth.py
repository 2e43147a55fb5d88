"""Who may connect: device tokens, clerks' passwords, and slowing down those who guess.

Passwords are stored as Argon2id hashes (argon2-cffi): salted and deliberately slow, so a copied
database does not give the passwords away.  Verification runs in a worker thread so a sign-in
never stalls the queue for everyone else.  Failed attempts are slowed down per name and per
address, and the reply never says whether the name or the password was wrong; repeated
failures lock one account out from one address for a while (``LockOut``).  A new password
must pass one rule (``check_password``, docs/security.md "Passwords").
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hallcall.config import HallConfig

if TYPE_CHECKING:
    from .storage import Storage

_hasher = PasswordHasher()

MIN_PASSWORD = 8
SUPERVISOR_SESSION_S = 12 * 3600  # a supervisor console's session token works for 12 hours

# The passwords tried first by anyone guessing (the top of the published leak lists, with the
# Chinese favourites), at least MIN_PASSWORD long: shorter ones are refused by length anyway.
# Compared without letter case.
COMMON_PASSWORDS = frozenset(
    {
        "password", "password1", "password123", "passw0rd", "p@ssw0rd", "12345678", "123456789",
        "1234567890", "0123456789", "87654321", "12341234", "11223344", "12344321", "123123123",
        "147258369", "123456abc", "abc12345", "abc123456", "abcd1234", "a1234567", "aa123456",
        "qq123456", "qwerty12", "qwerty123", "qwertyui", "qwer1234", "1qaz2wsx", "1q2w3e4r",
        "asdfghjk", "asdf1234", "zxcvbnm1", "zxcvbnm123", "iloveyou", "woaini1314", "5201314520",
        "admin123", "admin1234", "administrator", "welcome1", "changeme", "letmein1", "sunshine",
        "football", "baseball", "princess", "superman", "trustno1", "11111111a",
    }
)  # fmt: skip

# The rules a new password can break: code -> what it says (hallcall.i18n.PASSWORD_RULES words it
# for people; ``weak_password`` errors carry the code in ``details.rule``).
PASSWORD_RULES = {
    "too_short": f"it needs at least {MIN_PASSWORD} characters",
    "same_as_name": "it may not be the account's name",
    "one_character": "it may not be one character repeated",
    "common": "it is one of the most common passwords",
    "same_as_current": "it must differ from the current password",  # checked by change_password
}


class WeakPassword(ValueError):
    """A new password breaks ``rule`` (a key of PASSWORD_RULES)."""

    def __init__(self, rule: str) -> None:
        super().__init__(f"the password is too weak: {PASSWORD_RULES[rule]}")
        self.rule = rule


def check_password(password: str, name: str) -> None:
    """Refuse a new password for account ``name`` that a guesser would try early: raises
    WeakPassword naming the first rule it breaks (docs/security.md "Passwords")."""
    if len(password) < MIN_PASSWORD:
        raise WeakPassword("too_short")
    folded = password.casefold()
    if name and folded == name.casefold():
        raise WeakPassword("same_as_name")
    if len(set(folded)) == 1:
        raise WeakPassword("one_character")
    if folded in COMMON_PASSWORDS:
        raise WeakPassword("common")


def hash_password(password: str) -> str:
    """The Argon2id hash to store.  Only the length is checked here; the whole rule where a
    password is chosen (``check_password``), since seeding hashes one password for many names."""
    if len(password) < MIN_PASSWORD:
        raise WeakPassword("too_short")
    return _hasher.hash(password)


def one_time_password() -> str:
    """A password for a supervisor's reset: 10 characters a clerk can read out and type
    (no 0/o, 1/l/i), good until the clerk chooses their own at the next sign-in."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    while True:
        word = "".join(secrets.choice(alphabet) for _ in range(10))
        if any(c.isdigit() for c in word) and any(c.isalpha() for c in word):
            return word


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
        # the exponent is capped: past ~1,000 failures 2 ** n no longer fits a float (OverflowError)
        return 0.0 if worst == 0 else min(self.cap, self.base * 2 ** min(worst - 1, 32))

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


class LockOut:
    """Lock one account out from one address after ``limit`` wrong passwords within ``window``
    seconds, for ``lock_s`` seconds (docs/security.md "Passwords").

    Keyed by account AND address: a guesser at one machine stops guessing that account, while
    the clerk at their own counter, another address, still signs in, so nobody can lock a clerk
    out of their own counter from elsewhere.  Guessing many accounts, or one account from many
    machines, is slowed by ``Throttle``.  Kept in memory: a restart clears every lock-out (only
    someone at the server can restart it, and a wrong guess never writes to the database).
    While locked, even the right password is refused.
    """

    def __init__(
        self, limit: int = 5, window: float = 900.0, lock_s: float = 300.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self.lock_s, self.clock = limit, window, lock_s, clock
        self._failures: dict[tuple[str, str], list[float]] = {}
        self._locked: dict[tuple[str, str], float] = {}  # until when

    def time_left(self, account: str, address: str) -> float:
        """Seconds until ``account`` may try again from ``address`` (0: it may now)."""
        key = (account.casefold(), address)
        until = self._locked.get(key)
        if until is None:
            return 0.0
        left = until - self.clock()
        if left <= 0:
            del self._locked[key]
            return 0.0
        return left

    def failed(self, account: str, address: str) -> float:
        """Count a wrong password; the seconds of the lock-out it starts (0: none yet)."""
        now, key = self.clock(), (account.casefold(), address)
        recent = [at for at in self._failures.get(key, []) if now - at < self.window]
        recent.append(now)
        if len(recent) >= self.limit:
            self._failures.pop(key, None)
            self._locked[key] = now + self.lock_s
            return self.lock_s
        self._failures[key] = recent
        if len(self._failures) > 10000:  # bounded memory under a flood of names
            self._failures = {k: v for k, v in self._failures.items() if now - v[-1] < self.window}
            self._locked = {k: v for k, v in self._locked.items() if v > now}
        return 0.0

    def succeeded(self, account: str, address: str) -> None:
        self._failures.pop((account.casefold(), address), None)

    def clear(self, account: str) -> None:
        """Forget every count and lock-out of ``account`` (a supervisor reset its password)."""
        folded = account.casefold()
        self._failures = {k: v for k, v in self._failures.items() if k[0] != folded}
        self._locked = {k: v for k, v in self._locked.items() if k[0] != folded}


def peer_address(ws: Any) -> str:
    """The address a connection comes from: what lock-outs and the throttle count by."""
    remote = getattr(ws, "remote_address", None)
    return str(remote[0]) if remote else "?"


def minutes_left(seconds: float) -> int:
    """Whole minutes to tell a person: 4 min 10 s is "5 min", never too early."""
    return max(1, math.ceil(seconds / 60))


# ---------------------------------------------------------------- device tokens
DEVICE_ROLES = ("kiosk", "display", "pad")


def new_device_token() -> str:
    """A fresh device token: 32 URL-safe characters (192 random bits), shown once by the admin verb."""
    return secrets.token_urlsafe(24)


def configured_devices(config: HallConfig) -> dict[str, tuple[str, str]]:
    """Every device the config names: name → (role, its config token's hash)."""
    listed = (("kiosk", config.devices.kiosks), ("display", config.devices.displays), ("pad", config.devices.pads))
    return {d.name: (role, token_hash(d.token)) for role, devices in listed for d in devices}


TokenRow = tuple[str, str | None]  # a ``device_tokens`` row: (device, token hash, or None where revoked)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a device's hello token is: ``ok`` (signed in as ``device``), ``revoked`` (a token the
    device used to have: the config's after a rotation, an earlier rotation's, any after a
    revocation) or ``bad`` (nobody's)."""

    outcome: Literal["ok", "revoked", "bad"]
    device: str = ""
    credential: str = ""  # the token's hash, kept with the connection to notice a later revocation


class DeviceTokens:
    """Which token each kiosk, display and pad may sign in with, held as SHA-256 hashes only.

    A device's token is its config token until ``hallcall admin rotate-token`` or ``revoke-token``
    writes a row to the database for it; from then on the database's latest row decides (a new
    hash, or none: revoked), and every token the device had before is refused as ``revoked``.
    Comparisons are constant-time (``hmac.compare_digest``) over every candidate, so the time
    taken tells nothing about how close a guess came or which device it was near.
    """

    def __init__(self, config: HallConfig, rows: Iterable[TokenRow]) -> None:
        self._configured = configured_devices(config)
        self.current: dict[str, str | None] = {}
        self.retired: dict[str, set[str]] = {}
        self.load(rows)

    def load(self, rows: Iterable[TokenRow]) -> None:
        """(Re)read the database's rows, oldest first (at start, and when an admin verb changed them)."""
        current: dict[str, str | None] = {name: digest for name, (_, digest) in self._configured.items()}
        retired: dict[str, set[str]] = {name: set() for name in self._configured}
        for device, digest in rows:  # oldest first: each replaces the one before
            if device not in self._configured:
                continue  # a device since removed from the config signs in no more
            old = current.get(device)
            if old is not None:
                retired[device].add(old)
            current[device] = digest
        self.current, self.retired = current, retired

    def check(self, role: str, device: str | None, token: str | None) -> Verdict:
        """The verdict on a hello's ``token`` for ``role`` (and ``device``, when it names one)."""
        if not token:
            return Verdict("bad")
        digest = token_hash(token)
        names = [n for n, (r, _) in self._configured.items() if r == role and device in (None, n)]
        found: Verdict = Verdict("bad")
        for name in names:  # every candidate is compared, whatever matched earlier
            if same(self.current.get(name) or "", digest) and found.outcome == "bad":
                found = Verdict("ok", name, digest)
        for name in names:
            if any(same(old, digest) for old in self.retired.get(name, ())) and found.outcome == "bad":
                found = Verdict("revoked", name)
        return found

    def holds(self, device: str, credential: str) -> bool:
        """Whether a connected device's token (its hash) is still the one it may use."""
        return same(self.current.get(device) or "", credential) and bool(credential)

    def role_of(self, device: str) -> str:
        """The role of a configured device; ValueError naming the known ones otherwise."""
        if device not in self._configured:
            known = ", ".join(sorted(self._configured)) or "none"
            raise ValueError(f"the config names no device {device!r} (its kiosks, displays and pads: {known})")
        return self._configured[device][0]


# ---------------------------------------------------------------- the guide desk's PIN
PIN_TRIES = 5  # wrong PINs in a row from one device before it is locked out
PIN_LOCK_S = 60.0


class PinGuard:
    """Wrong guide-desk PINs, per device: each one is answered after a doubling delay
    (``Throttle``), and after ``tries`` in a row the device may not try again for ``lock_s``
    seconds, whatever it sends.  A right PIN clears the count."""

    def __init__(self, tries: int = PIN_TRIES, lock_s: float = PIN_LOCK_S, throttle: Throttle | None = None) -> None:
        self.tries, self.lock_s = tries, lock_s
        self.throttle = throttle or Throttle(base=0.25, cap=2.0)
        self._wrong: dict[str, int] = {}
        self._locked_until: dict[str, float] = {}

    def locked_for(self, device: str) -> float:
        """Seconds until ``device`` may try a PIN again (0: now)."""
        return max(0.0, self._locked_until.get(device, 0.0) - time.monotonic())

    def failed(self, device: str) -> tuple[float, int]:
        """Count a wrong PIN: (the delay before answering it, the tries left before a lockout;
        0 = locked out now)."""
        delay = self.throttle.delay(device)
        self.throttle.failed(device)
        wrong = self._wrong.get(device, 0) + 1
        if wrong >= self.tries:
            self._wrong.pop(device, None)
            self._locked_until[device] = time.monotonic() + self.lock_s
            return delay, 0
        self._wrong[device] = wrong
        return delay, self.tries - wrong

    def succeeded(self, device: str) -> None:
        self._wrong.pop(device, None)
        self.throttle.succeeded(device)


# ---------------------------------------------------------------- the admin verbs
def rotate_device_token(config: HallConfig, storage: Storage, device: str, at: float) -> str:
    """A new token for ``device``, its hash stored (overriding the config's token and any earlier
    one, which are refused from now on); the token itself is returned to be shown once."""
    role = DeviceTokens(config, ()).role_of(device)
    token = new_device_token()
    storage.replace_device_token(device, role, token_hash(token), at)
    return token


def revoke_device_token(config: HallConfig, storage: Storage, device: str, at: float) -> None:
    """``device`` may sign in with no token at all until a rotation gives it a new one."""
    role = DeviceTokens(config, ()).role_of(device)
    storage.replace_device_token(device, role, None, at)
