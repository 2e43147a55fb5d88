"""The pages the server shows in a browser: for now, a ticket's status page.

A visitor scans the QR code on the ticket (or photographs it off the kiosk's screen when the
printer failed) and follows their number from a phone.  The page refreshes itself and speaks
the hall's languages; templates live in assets/web/ and are rendered by Jinja2, which escapes
everything it inserts.
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
    }
)


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
    rows: list[tuple[str, str]] = []
    if ticket.state == "waiting":
        rows.append((T("ahead", lang), T("ahead_n", lang, n=data.ahead)))
        rows.append((T("estimate", lang), T("minutes", lang, n=max(1, round(data.estimated_wait_s / 60)))))
    issued = dt.datetime.fromtimestamp(ticket.issued_at, config.tz).strftime("%H:%M")
    rows.append((T("issued", lang), issued))
    return 200, _render(
        base
        | {
            "service": service.name.get(lang) if service else ticket.service,
            "green": T("green", lang) if ticket.priority > 0 else "",
            "state_text": T(state_key, lang, counter=counter),
            "state_class": {"called": "go", "no_show": "over", "expired": "over"}.get(state_key, ""),
            "rows": rows,
        }
    )


def _render(context: dict[str, Any]) -> str:
    return _env.get_template("ticket.html").render(**context)
