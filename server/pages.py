"""The pages the server shows in a browser: for now, a ticket's status page.

A visitor scans the QR code on the ticket (or photographs it off the kiosk's screen when the
printer failed) and follows their number from a phone.  The server renders the page whole (it
works without JavaScript and then reloads itself every 20 s); its script (assets/web/link.js and
assets/web/status.js, inlined) follows the ticket live over the websocket as a ``visitor``
(docs/protocol.md 4.1).  The QR link carries the ticket's key (``?k=``): with it, and once the
ticket was served, the page offers the five-level evaluation (好差评, channel ``qr``); a typed or
guessed address without it shows the status only.  It speaks the hall's languages; templates live
in assets/web/ and are rendered by Jinja2, which escapes everything it inserts.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

import jinja2

from hallcall.assets import WEB
from hallcall.config import HallConfig
from hallcall.i18n import Strings, other_lang

from .domain.appointments import slots, takes_appointments
from .domain.hall import HallState
from .domain.model import NORMAL, PRIORITY_NAMES, QueueError, Ticket
from .views import Views

if TYPE_CHECKING:
    from .hub import Hub

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
        "appointment": ("预约", "Appointment"),
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
        # the evaluation (好差评), offered to the ticket's holder once it was served
        "rate_title": ("请对本次服务进行评价", "How was our service today?"),
        "level5": ("非常满意", "Very satisfied"),
        "level4": ("满意", "Satisfied"),
        "level3": ("基本满意", "Basically satisfied"),
        "level2": ("不满意", "Dissatisfied"),
        "level1": ("非常不满意", "Very dissatisfied"),
        "reason_title": ("请选择不满意的原因", "Please tell us what went wrong"),
        "note": ("补充说明（选填）", "Anything to add (optional)"),
        "send": ("提交评价", "Send"),
        "back": ("返回", "Back"),
        "thanks": (
            "感谢您的评价！您的意见将帮助我们改进服务。",
            "Thank you for your feedback! It helps us serve you better.",
        ),
        "evaluated": ("本号已评价，谢谢。", "This ticket has been evaluated. Thank you."),
        "reason_needed": ("请选择一个原因。", "Please choose a reason."),
        "err_nothing_to_evaluate": ("本号尚未办结，暂不能评价。", "This ticket has not been served yet."),
        "err_already_evaluated": ("本号已评价过。", "This ticket has already been evaluated."),
        "err_reason_required": ("不满意评价需选择原因。", "Please choose a reason."),
        "err_unknown_reason": ("评价原因无效。", "That reason is not known."),
        "err_other": ("评价未能提交，请稍后再试。", "The evaluation could not be sent; please try again."),
    }
)
LIVE_KEYS = (
    "waiting", "called", "serving", "held", "done", "no_show", "cancelled", "expired", "ahead_n", "minutes",
    "next", "live", "offline", "notify_set", "notify_denied", "notify_now",
    "thanks", "evaluated", "reason_needed", "err_nothing_to_evaluate", "err_already_evaluated",
    "err_reason_required", "err_unknown_reason", "err_other",
)  # fmt: skip
RATE_KEYS = ("rate_title", "level5", "level4", "level3", "level2", "level1", "reason_title", "note", "send", "back")
SCRIPT = "\n".join((WEB / name).read_text(encoding="utf-8") for name in ("link.js", "status.js"))
assert "</" not in SCRIPT, "link.js and status.js are inlined in a <script> element"


def status_page(hub: Hub, day: str, number: str, lang: str, key: str) -> tuple[int, str]:
    """(HTTP status, HTML) of ``/t/{day}/{number}`` as the hub knows the ticket now; ``key`` is the
    address's ``k`` (the QR link's), and the evaluation is offered only when it is the ticket's."""
    stored = None if day == hub.state.day else hub.find_ticket(day, number)
    holder = hub.holds_key(day, number, key)
    ticket = hub.state.by_number.get(number) if day == hub.state.day else None
    evaluated = ticket is not None and ticket.id in hub.evaluations.done
    return ticket_page(
        hub.config, hub.views, hub.state, day, number, lang, stored, key=key if holder else "", evaluated=evaluated
    )


def ticket_page(
    config: HallConfig,
    views: Views,
    state: HallState,
    day: str,
    number: str,
    lang: str,
    stored: Ticket | None,
    *,
    key: str = "",
    evaluated: bool = False,
) -> tuple[int, str]:
    """(HTTP status, HTML) for one ticket; ``stored`` is the ticket read from the database when
    ``day`` is not today; ``key``: the ticket's key when the address carried it (the holder may
    evaluate; it is kept in the language switch's link); ``evaluated``: it has been evaluated."""
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
        "key": key,
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
            "class_label": T(PRIORITY_NAMES[ticket.priority], lang) if ticket.priority != NORMAL else "",
            "class_name": PRIORITY_NAMES[ticket.priority],
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
            "holder": bool(key),
            "evaluable": bool(key) and ticket.state == "done" and not evaluated,
            "evaluated": bool(key) and evaluated,
            "rate": {k: T(k, lang) for k in RATE_KEYS},
            "reasons": [(r.code, r.zh if lang == "zh" else r.en) for r in config.evaluation.reasons],
        }
    )


def _render(context: dict[str, Any]) -> str:
    return _env.get_template("ticket.html").render(**context)


BOOK_TITLE = {"zh": "预约办理", "en": "Book an appointment"}
BOOK_NOSCRIPT = {"zh": "预约页需要开启 JavaScript。", "en": "The booking page needs JavaScript."}


def book_page(config: HallConfig, today: str, lang: str) -> str:
    """The booking page's shell (``/book``, assets/web/book.html): the hall's name, the services
    that take appointments and the days that may be booked (today and ``days_ahead - 1`` after
    it), each service with the days it has slots on, so the page's script (book.js) asks only for
    slots and bookings over the websocket."""
    lang = lang if lang in ("zh", "en") else config.hall.languages[0]
    first = dt.date.fromisoformat(today)
    days = [first + dt.timedelta(days=n) for n in range(config.appointments.days_ahead)]
    data = {
        "lang": lang,
        "hall": {"zh": config.hall.name.zh, "en": config.hall.name.en},
        # each service with the days it has slots on: a closed day is shown closed, not offered
        "services": [
            {
                "id": s.id,
                "name": {"zh": s.name.zh, "en": s.name.en},
                "days": [day.isoformat() for day in days if slots(config, s, day)],
            }
            for s in config.services
            if takes_appointments(config, s)
        ],
        "days": [day.isoformat() for day in days] if config.appointments.enabled else [],
    }
    return _env.get_template("book.html").render(
        lang=lang, hall=data["hall"], title=BOOK_TITLE[lang], noscript=BOOK_NOSCRIPT[lang], data=data
    )
