"""Every word the hall display shows, in Chinese and English."""

from __future__ import annotations

from hallcall.i18n import Strings

T = Strings(
    {
        "now_calling": ("正在呼叫", "Now calling"),
        "recent": ("最近呼叫", "Recent calls"),
        "waiting": ("等候人数", "Waiting"),
        "people": ("{n}人", "{n}"),
        "no_calls": ("暂无呼叫", "No calls right now"),
        "more": ("另有{n}个较早的呼叫", "+{n} more"),
        "more_services": ("另有{n}项业务", "+{n} more"),
        "recall": ("重呼", "again"),
        # a call's ticket class, marked beside its number (an ordinary ticket has no mark)
        "mark_appointment": ("预约", "Appt"),
        "mark_green": ("绿色通道", "Green channel"),
        "mark_appointment_short": ("预约", "Appt"),  # in compact cells that have no room for the above
        "mark_green_short": ("绿色", "Green"),
        "refused": ("服务器拒绝本屏登录：{reason}", "The server refused this display: {reason}"),
        "unknown_zone": ("区域“{zone}”没有窗口（本厅区域：{known}）", 'Zone "{zone}" has no counters (zones: {known})'),
        "date": ("{y}年{m}月{d}日 {weekday}", "{weekday} {d} {month} {y}"),
    }
)


def class_mark(priority: str, lang: str, short: bool = False) -> str:
    """The mark of a ticket's class beside its number: "预约" / "Appt" for an appointment,
    "绿色通道" / "Green channel" for the green channel ("绿色" / "Green" ``short``), "" for an
    ordinary ticket."""
    if priority not in ("appointment", "green"):
        return ""
    return T(f"mark_{priority}_short" if short else f"mark_{priority}", lang)
