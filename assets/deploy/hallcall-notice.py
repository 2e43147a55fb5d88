"""Set the notice line of every hall display, as a supervisor (protocol request ``notice``).

    python hallcall-notice.py ws://SERVER:8765 SUPERVISOR "中文通知" "English notice"
    python hallcall-notice.py ws://SERVER:8765 SUPERVISOR "" ""     (back to the config's notice)

Asks for the supervisor's password (or reads it from standard input when that is not a
terminal).  Run it with the hallcall virtual environment's Python.
"""

from __future__ import annotations

import asyncio
import getpass
import sys

from hallcall.client import HallClient, RequestFailed


async def set_notice(server: str, supervisor: str, password: str, zh: str, en: str) -> dict:
    client = HallClient(server)
    await client.connect()
    try:
        await client.hello("supervisor", clerk=supervisor, password=password)
        return await client.request("notice", zh=zh, en=en)
    finally:
        await client.close()


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    server, supervisor, zh, en = argv
    password = getpass.getpass() if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    try:
        answer = asyncio.run(set_notice(server, supervisor, password, zh, en))
    except RequestFailed as exc:
        print(f"hallcall-notice: {exc.code}: {exc.message}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"hallcall-notice: cannot reach {server}: {exc}", file=sys.stderr)
        return 1
    notice = answer.get("notice", {})
    print(f"notice now: {notice.get('zh', '')} / {notice.get('en', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
