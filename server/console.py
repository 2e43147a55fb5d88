"""The supervisor console's static files: one HTML page, its script, the mirror port and a stylesheet.

They are served as they are from assets/web/ (no build step, no external address); everything
the page shows comes over the websocket, so the files hold no hall data and can be cached by
nobody's rules but ours (``no-store``, like every page of the server).
"""

from __future__ import annotations

from hallcall.assets import WEB

FILES = {
    "/console": ("console.html", "text/html; charset=utf-8"),
    "/console/": ("console.html", "text/html; charset=utf-8"),
    "/console/console.js": ("console.js", "text/javascript; charset=utf-8"),
    "/console/mirror.js": ("mirror.js", "text/javascript; charset=utf-8"),
    "/console/console.css": ("console.css", "text/css; charset=utf-8"),
}


def console_file(path: str) -> tuple[str, str] | None:
    """(body, content type) for a console path, or None if it is not one."""
    entry = FILES.get(path)
    if entry is None:
        return None
    name, content_type = entry
    return (WEB / name).read_text(encoding="utf-8"), content_type


__all__ = ["FILES", "console_file"]
