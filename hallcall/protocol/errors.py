"""The error codes (docs/protocol.md section 8): the one registry the server, the texts in
``hallcall.i18n`` and the document all follow.

A code is stable: programs decide what to do from it, never from the English ``message``.  The
server refuses to make an error whose code is not listed here (``check``), a test finds every
code the server's sources make and compares them with this list and with section 8, and
``hallcall.i18n`` has a Chinese and an English sentence for each.
"""

from __future__ import annotations

# Codes the server can answer with, in the order of protocol.md's table.
SERVER_CODES: tuple[str, ...] = (
    # reading the message
    "too_large",
    "bad_json",
    "bad_message",
    "unknown_type",
    "bad_field",
    # hello and roles
    "hello_required",
    "already_authenticated",
    "protocol_version",
    "auth_failed",
    "locked_out",
    "forbidden",
    "token_revoked",
    # privileges beyond a device's token (docs/security.md)
    "desk_required",
    "wrong_pin",
    "pin_locked",
    "rate_limited",
    # faults
    "internal",
    "storage_error",
    # the queue's refusals
    "unknown_service",
    "unknown_counter",
    "unknown_ticket",
    "wrong_state",
    "service_closed",
    "daily_cap_reached",
    "priority_not_allowed",
    "not_signed_in",
    "no_current_ticket",
    "counter_busy",
    "counter_paused",
    "not_paused",
    "queue_empty",
    "not_your_service",
    "recall_limit",
    "putback_limit",
    "not_allowed_at_counter",
    "counter_occupied",
    "clerk_busy_elsewhere",
    "session_ended",
    "nothing_to_evaluate",
    "already_evaluated",
    "reason_required",
    "unknown_reason",
    "unknown_warning",
    "unknown_fault",
    # reports
    "bad_date",
    "bad_range",
    # passwords
    "wrong_password",
    "weak_password",
    "password_change_required",
    "unknown_clerk",
    # appointments
    "appointments_off",
    "no_such_slot",
    "slot_full",
    "bad_phone",
    "too_far_ahead",
    "unknown_booking",
    "not_today",
    "already_checked_in",
    "too_early",
    "too_late",
    "booking_cancelled",
)

# Codes a client makes for itself, in the same shape, without asking the server.
CLIENT_CODES: tuple[str, ...] = ("bad_address", "bad_certificate")

ERROR_CODES: frozenset[str] = frozenset(SERVER_CODES + CLIENT_CODES)


def check(code: str) -> str:
    """``code`` if it is registered; a ValueError otherwise (an unlisted code is a bug)."""
    if code not in ERROR_CODES:
        raise ValueError(f"unregistered error code {code!r}: add it to hallcall/protocol/errors.py")
    return code


__all__ = ["CLIENT_CODES", "ERROR_CODES", "SERVER_CODES"]
