"""The device fault codes (docs/protocol.md 5.7): the one registry kiosks and displays report
from, the server checks, and ``hallcall.i18n.FAULTS`` words in Chinese and English.

A device names what is wrong by code (``printer.out_of_paper``), never by its own English: the
server sends the code's words in both languages to counters and supervisors, so a clerk reads
"打印机缺纸" rather than a driver's message.  The device's raw detail still travels beside the
code for the log and the supervisor's console.  A code not listed here is refused
(``unknown_fault``), so a device cannot show clerks words nobody translated.
"""

from __future__ import annotations

# (code, meaning) in the order of protocol.md 5.7's table.
FAULT_CODES: tuple[str, ...] = (
    "device.fault",  # a fault the device cannot name more exactly (and reports saved before codes)
    "printer.out_of_paper",
    "printer.paper_low",  # a note on an "ok" report: it still prints
    "printer.cover_open",
    "printer.head_error",  # cutter or print head
    "printer.offline",
    "printer.not_responding",
    "printer.unreachable",
    "printer.failed",
    "printer.bad_setting",
    "sound.output_failed",
    "sound.chime_missing",
    "speech.engine_failed",
    "voice.pack_broken",  # a recorded voice pack unusable: the speech engine speaks instead
)

KNOWN_FAULTS: frozenset[str] = frozenset(FAULT_CODES)

__all__ = ["FAULT_CODES", "KNOWN_FAULTS"]
