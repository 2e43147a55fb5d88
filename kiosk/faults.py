"""The fault code a kiosk reports for its printer (hallcall/protocol/faults.py).

The printer code says what happened as a ``PrintResult`` state and an English detail for the
log; the server wants a registered code, which it words for clerks in Chinese and English.  An
"offline" printer says why in its detail (escpos_codes.parse_status): a cover left open and a
cutter or head fault are told apart from a plain offline there.
"""

from __future__ import annotations

# PrintResult state (or "setting": the printer spec cannot be used) → fault code.
_BY_CAUSE = {
    "setting": "printer.bad_setting",
    "paper_out": "printer.out_of_paper",
    "offline": "printer.offline",
    "timeout": "printer.not_responding",
    "unreachable": "printer.unreachable",
    "error": "printer.failed",
}
# Words of escpos_codes.parse_status's "printer offline: …" detail → a more exact code.
_OFFLINE_BECAUSE = (("cover open", "printer.cover_open"), ("cutter or head", "printer.head_error"))


def printer_fault_code(state: str, cause: str, detail: str) -> str:
    """The code of a ``device_status`` report: a fault's, by its cause; an ``ok`` report carries
    ``printer.paper_low`` while the paper runs low, else no code."""
    if state != "fault":
        return "printer.paper_low" if cause == "paper_low" else ""
    if cause == "offline":
        for words, code in _OFFLINE_BECAUSE:
            if words in detail:
                return code
    return _BY_CAUSE.get(cause, "device.fault")
