"""The fault code a display reports for its sound (hallcall/protocol/faults.py).

The announcer names each problem by what failed ("sound", "speech", "chime") with the player's
or engine's own English as the reason, for the log.  The server takes one registered code per
report, so the display reports its worst problem: no sound at all before no speech (the chime
still plays), before a chime file replaced by the built-in one, before a recorded voice pack
replaced by the speech engine (calls are still spoken).
"""

from __future__ import annotations

from collections.abc import Mapping

# Announcer problem → fault code, worst first.
PROBLEM_CODES = {
    "sound": "sound.output_failed",
    "speech": "speech.engine_failed",
    "chime": "sound.chime_missing",
    "voice": "voice.pack_broken",
}


def sound_fault_code(problems: Mapping[str, str]) -> str:
    """The code of the worst of the announcer's problems; "" when there are none."""
    for problem, code in PROBLEM_CODES.items():
        if problem in problems:
            return code
    return "device.fault" if problems else ""
