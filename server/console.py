"""The supervisor console's static files: one HTML page, its script, the mirror port and a stylesheet.

Every page's websocket link is one script, link.js (the status page inlines it); the console and
the report page share the supervisor's sign-in, signin.js.

They are served as they are from assets/web/ (no build step, no external address); everything
the page shows comes over the websocket, so the files hold no hall data and can be cached by
nobody's rules but ours (``no-store``, like every page of the server).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hallcall.assets import WEB

from . import reports

FILES: dict[str, tuple[str | Callable[[], str], str]] = {
    "/console": ("console.html", "text/html; charset=utf-8"),
    "/console/": ("console.html", "text/html; charset=utf-8"),
    "/console/console.js": ("console.js", "text/javascript; charset=utf-8"),
    "/console/mirror.js": ("mirror.js", "text/javascript; charset=utf-8"),
    "/console/link.js": ("link.js", "text/javascript; charset=utf-8"),
    "/console/signin.js": ("signin.js", "text/javascript; charset=utf-8"),
    "/console/console.css": ("console.css", "text/css; charset=utf-8"),
    "/console/bookings.js": ("bookings.js", "text/javascript; charset=utf-8"),
    # the report page (issue 12): Chart.js vendored (docs/decisions.md), the columns from Python
    "/console/report": ("report.html", "text/html; charset=utf-8"),
    "/console/report.js": ("report.js", "text/javascript; charset=utf-8"),
    "/console/report.css": ("report.css", "text/css; charset=utf-8"),
    "/console/report-columns.js": (reports.columns_js, "text/javascript; charset=utf-8"),
    "/console/vendor/chart.umd.js": ("vendor/chart.umd.js", "text/javascript; charset=utf-8"),
    # the evaluation pad (issue 12): /pad/<counter> for every counter number, see PAD_PAGE
    "/pad/<counter>": ("pad.html", "text/html; charset=utf-8"),
    "/pad/pad.js": ("pad.js", "text/javascript; charset=utf-8"),
    "/pad/pad.css": ("pad.css", "text/css; charset=utf-8"),
    "/pad/mirror.js": ("mirror.js", "text/javascript; charset=utf-8"),
    "/pad/link.js": ("link.js", "text/javascript; charset=utf-8"),
    # the booking page (预约): its shell is rendered by pages.book_page at /book
    "/book/book.js": ("book.js", "text/javascript; charset=utf-8"),
    "/book/book.css": ("book.css", "text/css; charset=utf-8"),
    "/book/link.js": ("link.js", "text/javascript; charset=utf-8"),
    "/book/vendor/qrcode.js": ("vendor/qrcode.js", "text/javascript; charset=utf-8"),
}

PAD_PAGE = re.compile(r"^/pad/\d{1,4}$")  # the pad's page has its counter number in the path


def console_file(path: str) -> tuple[str, str] | None:
    """(body, content type) for a console path, or None if it is not one."""
    entry = FILES.get(PAD_PAGE.sub("/pad/<counter>", path))
    if entry is None:
        return None
    name, content_type = entry
    if callable(name):
        return name(), content_type
    return (WEB / name).read_text(encoding="utf-8"), content_type


__all__ = ["FILES", "PAD_PAGE", "console_file"]
