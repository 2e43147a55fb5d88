"""The pages the server shows in a browser: for now, a ticket's status page.

A visitor scans the QR code on the ticket (or photographs it off the kiosk's screen when the
printer failed) and follows their number from a phone.  The server renders the page whole (it
works without JavaScript and then reloads itself every 20 s); its script (assets/web/status.js,
inlined) follows the ticket live over the websocket as a ``visitor`` (docs/protocol.md 4.1).
It speaks the hall's languages; templates live in assets/web/ and are rendered by Jinja2, which
escapes everything it inserts.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import jinja2

from hallcall.assets import WEB
from hallcall.config import HallConfig
from hallcall.i18n import Strings, other_lang

from .domain.hall import HallState
from .domain.model import QueueError, Ticket
from .views import Views

TICKET_PATH = re.compile(r"^/t/(\d{4}-\d{2}-\d{2})/([A-Z]{1,2}\d{3,})$")

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(WEB), autoescape=True)

T = Strings(
    {
        "switch": ("English", "中文"),
        "waiting": ("等候中", "Waiting"),
        "called": ("请到{counter}号窗口办理", "Please go to counter {counter}"),
        "serving": ("正在{counter}号窗口办理", "Being served at counter {counter}"),
        "held": ("已暂挂，请留意叫号", "On hold; listen for your number"),
        "done": ("已办结，谢谢", "Done, thank you"),
        "no_show": ("已过号，请到导办台或重新取号", "Missed; please ask at the guide desk or take a new ticket"),
        "cancelled": ("已取消", "Cancelled"),
        "expired": ("已过期（非当日号）", "Expired (not today's ticket)"),
        "ahead": ("前面还有", "People ahead"),
        "ahead_n": ("{n} 人", "{n}"),
        "estimate": ("预计等候", "Estimated wait"),
        "minutes": ("约 {n} 分钟", "about {n} min"),
        "issued": ("取号时间", "Issued"),
        "green": ("绿色通道", "Green channel"),
        "missing": ("查不到这个号码。", "There is no such ticket."),
        "other_day": ("这是 {day} 的号，今日已无效。", "This ticket is from {day} and is no longer valid."),
        "footer": ("本页每 20 秒自动刷新。", "This page refreshes every 20 seconds."),
        "next": ("下一位就是您，请到窗口附近等候。", "You are next: please wait near the counters."),
        "live": ("实时更新中。", "Live: this page updates by itself."),
        "offline": ("连接中断，正在重新连接……", "Connection lost; reconnecting…"),
        "notify_label": ("前面还剩几人时提醒我", "Tell me when this many are ahead of me"),
        "notify_button": ("提醒我", "Remind me"),
        "notify_set": (
            "好的：前面剩 {n} 人时提醒您（请保持本页打开）。",
            "OK: you will be told when {n} are ahead (keep this page open).",
        ),
        "notify_denied": (
            "浏览器未允许通知：请保持本页打开，到时本页会显示提示并响铃。",
            "Notifications are not allowed: keep this page open; it will show a message and beep.",
        ),
        "notify_now": ("前面只剩 {n} 人了，请回到大厅。", "Only {n} ahead of you now: please come back to the hall."),
        "sound_hint": ("点按本页任意处，叫到您时可响铃。", "Tap the page once so it can ring when you are called."),
    }
)
LIVE_KEYS = (
    "waiting", "called", "serving", "held", "done", "no_show", "cancelled", "expired", "ahead_n", "minutes",
    "next", "live", "offline", "notify_set", "notify_denied", "notify_now",
)  # fmt: skip
SCRIPT = (WEB / "status.js").read_text(encoding="utf-8")
assert "</" not in SCRIPT, "status.js is inlined in a <script> element"


def ticket_page(
    config: HallConfig, views: Views, state: HallState, day: str, number: str, lang: str, stored: Ticket | None
) -> tuple[int, str]:
    """(HTTP status, HTML) for one ticket; ``stored`` is the ticket read from the database when
    ``day`` is not today."""
    lang = lang if lang in ("zh", "en") else config.hall.languages[0]
    base: dict[str, Any] = {
        "lang": lang,
        "other_lang": other_lang(lang),
        "other_label": T("switch", lang),
        "hall": config.hall.name.get(lang),
        "number": number,
        "footer": T("footer", lang),
        "missing": "",
        "day": day,
    }
    ticket: Ticket | None = None
    if day == state.day:
        try:
            ticket = state.ticket(number)
        except QueueError:
            ticket = None
    elif stored is not None:
        return 200, _render(base | {"missing": T("other_day", lang, day=day)})
    if ticket is None:
        return 404, _render(base | {"missing": T("missing", lang)})
    data = views.ticket(state, ticket)
    service = config.service(ticket.service)
    counter = ticket.counter or ""
    state_key = ticket.state
    waiting = ticket.state == "waiting"
    issued = dt.datetime.fromtimestamp(ticket.issued_at, config.tz).strftime("%H:%M")
    strings = {key: T(key, lang) for key in LIVE_KEYS}
    return 200, _render(
        base
        | {
            "service": service.name.get(lang) if service else ticket.service,
            "green": T("green", lang) if ticket.priority > 0 else "",
            "state": state_key,
            "state_text": T(state_key, lang, counter=counter),
            "state_class": {"called": "go", "no_show": "over", "expired": "over"}.get(state_key, ""),
            "waiting": waiting,
            "next": waiting and data.ahead == 0,
            "labels": {k: T(k, lang) for k in ("ahead", "estimate", "issued", "next", "live", "sound_hint")}
            | {k: T(k, lang) for k in ("notify_label", "notify_button")},
            "ahead_text": T("ahead_n", lang, n=data.ahead) if waiting else "",
            "estimate_text": T("minutes", lang, n=max(1, round(data.estimated_wait_s / 60))) if waiting else "",
            "issued": issued,
            "strings": strings,
            "script": SCRIPT,
        }
    )


def _render(context: dict[str, Any]) -> str:
    return _env.get_template("ticket.html").render(**context)
