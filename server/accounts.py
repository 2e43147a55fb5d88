"""Clerk accounts made in bulk: every clerk a hall config names, with one starting password.

``hallcall admin seed-clerks`` uses it to set up a new hall, and the demo to sign its clerks
in; each clerk then sets a password of their own with ``admin set-password``.
"""

from __future__ import annotations

from pathlib import Path

from hallcall.config import HallConfig

from . import auth
from .app import database_path
from .storage import Storage


def configured_clerks(config: HallConfig) -> list[str]:
    """Every clerk name the counters list, A and B roles, sorted."""
    return sorted({name for c in config.counters for name in (*c.clerks, *c.backups)})


def missing_clerks(config: HallConfig, storage: Storage) -> list[str]:
    return [name for name in configured_clerks(config) if storage.clerk(name) is None]


def seed_clerks(config: HallConfig, storage: Storage, password: str) -> list[str]:
    """Add the configured clerks that have no account; returns their names.

    auth.WeakPassword (a ValueError) when the password breaks the rule for any of them
    (docs/security.md "Passwords").  The password is hashed once for all of them: Argon2 is slow
    on purpose, and a hall of forty clerks should not wait forty times.
    """
    missing = missing_clerks(config, storage)
    for name in missing:
        auth.check_password(password, name)
    if missing:
        digest = auth.hash_password(password)
        for name in missing:
            storage.save_clerk(name, digest, role="clerk")
    return missing


def sign_up_hall(
    config_path: Path, config: HallConfig, data: Path, password: str, supervisor: str, extra: tuple[str, ...] = ()
) -> Path:
    """In a fresh data folder: every configured clerk, the ``extra`` clerks and one supervisor,
    all with ``password``.  Returns the hall database's path (the demo and the simulator use a
    throwaway hall)."""
    path = database_path(config_path, data)
    storage = Storage(path, synchronous=config.server.synchronous)
    for name in (*configured_clerks(config), *extra, supervisor):
        auth.check_password(password, name)
    digest = auth.hash_password(password)  # once: Argon2 is slow on purpose
    try:
        for name in (*missing_clerks(config, storage), *extra):
            storage.save_clerk(name, digest, role="clerk")
        storage.save_clerk(supervisor, digest, role="supervisor")
    finally:
        storage.close()
    return path
