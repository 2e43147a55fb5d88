"""Every word the counter program shows, in Chinese and English.

One table, so a clerk who switches language sees the whole screen switch, and a missing
translation is a KeyError in the tests rather than a blank button in a hall.
"""

from __future__ import annotations

import re
from typing import Any

from hallcall.i18n import Strings, error_text

T = Strings(
    {
        # window and sign-in
        "title": ("{counter}号窗口 · 叫号", "Counter {counter} · Calling"),
        "sign_in_title": ("{counter}号窗口 登录", "Sign in at counter {counter}"),
        "counter_n": ("{counter}号窗口", "Counter {counter}"),
        "sign_in_prompt": ("请登录后开始叫号", "Sign in to start calling"),
        "clerk_name": ("工号 / 姓名", "Clerk name"),
        "password": ("密码", "Password"),
        "sign_in": ("登录", "Sign in"),
        "signing_in": ("正在登录…", "Signing in…"),
        "need_name_password": ("请输入工号和密码。", "Enter your name and password."),
        "session_ended": ("您已退出登录：{reason}", "You were signed out: {reason}"),
        "signed_out": ("已退出登录。", "Signed out."),
        "end_day": ("营业日结束", "the business day ended"),
        "end_taken_over": ("{name} 已接替本窗口", "{name} took over this counter"),
        "end_moved": ("您已在{counter}号窗口登录", "you signed in at counter {counter}"),
        "end_supervisor": ("主管 {name} 已将您退出", "supervisor {name} signed you out"),
        "other_lang": ("English", "中文"),
        # header
        "counter_clerk": ("{counter}号窗口 · {clerk}", "Counter {counter} · {clerk}"),
        "served_today": ("今日已办 {n}", "{n} served today"),
        "paused_badge": ("暂停中：{reason} · {minutes}", "Paused: {reason} · {minutes}"),
        # current ticket
        "current": ("当前号", "Current ticket"),
        "no_current": ("—", "—"),
        "idle_hint": ("按 N 叫下一位", "Press N to call the next visitor"),
        "state_called": ("已呼叫，等候到窗口", "Called, on the way"),
        "state_serving": ("办理中", "Being served"),
        "waited": ("已等候 {t}", "Waited {t}"),
        "called_for": ("呼叫后 {t}", "Called {t} ago"),
        "serving_for": ("已办理 {t}", "Served for {t}"),
        "recalls": ("重呼 {n} 次", "Recalled {n}×"),
        "mark_priority": ("优先", "Priority"),
        "mark_appointment": ("预约", "Appointment"),
        "mark_transfer": ("转入", "Transferred"),
        "mark_putback": ("过号重排", "Put back"),
        # queue
        "queue": ("我的队列", "My queue"),
        "queue_total": ("共 {n} 人等候", "{n} waiting"),
        "queue_line": ("{name}：{n} 人", "{name}: {n}"),
        "queue_empty_line": ("暂无等候", "Nobody waiting"),
        "targeted": ("转给本窗口：{numbers}", "Sent to this counter: {numbers}"),
        "held": ("暂挂：{numbers}", "Held: {numbers}"),
        # warnings
        "warnings": ("提醒", "Warnings"),
        "no_warnings": ("无", "None"),
        # one line per service and level: how many tickets, the longest wait, the service's limit
        "warn_over": (
            "{service}：{n} 张已超时，最久 {oldest}（时限 {limit}）",
            "{service}: {n} over the limit, oldest {oldest} (limit {limit})",
        ),
        "warn_near": (
            "{service}：{n} 张接近时限，最久 {oldest}（时限 {limit}）",
            "{service}: {n} near the limit, oldest {oldest} (limit {limit})",
        ),
        "warn_pause": ("本窗口暂停已 {paused}（{reason}）", "This counter has been paused for {paused} ({reason})"),
        "warn_dissatisfied_2": ("{number}号：访客评价“不满意”", "{number}: the visitor was dissatisfied"),
        "warn_dissatisfied_1": ("{number}号：访客评价“非常不满意”", "{number}: the visitor was very dissatisfied"),
        "warn_unstaffed": ("{counter}号窗口无人值守", "Counter {counter} is unstaffed"),
        "warn_device_absent": ("设备 {device} 已断开 {away}", "Device {device} has been disconnected for {away}"),
        "warn_device": ("设备 {device} 故障：{detail}", "Device {device} fault: {detail}"),
        # served list
        "served": ("最近办结", "Recently served"),
        "served_line": ("{time} {number} {service}", "{time} {number} {service}"),  # too long: "…", whole in a tooltip
        # actions (buttons)
        "call_next": ("叫号", "Call next"),
        "recall": ("重呼", "Recall"),
        "start": ("开始办理", "Start"),
        "finish": ("办结", "Finish"),
        "no_show": ("过号", "No-show"),
        "put_back": ("过号重排", "Put back"),
        "transfer": ("转移", "Transfer"),
        "hold": ("暂挂", "Hold"),
        "call_back": ("回呼暂挂", "Call back"),
        "call_number": ("指定叫号", "Call a number"),
        "cancel": ("取消号", "Cancel a ticket"),
        "pause": ("暂停", "Pause"),
        "resume": ("恢复服务", "Resume"),
        "sign_out": ("退出", "Sign out"),
        "compact": ("小窗模式", "Compact"),
        "expand": ("完整窗口", "Full window"),
        "auto_call": ("办结后自动叫号", "Auto-call after finish"),
        "key_hint": ("{text}  [{shortcut}]", "{text}  [{shortcut}]"),
        # status line
        "offline": (
            "与服务器的连接中断，操作暂不可用；恢复后自动继续。",
            "No connection to the server: actions are off until it is back.",
        ),
        "sending": ("正在发送：{action}…", "Sending: {action}…"),
        "waiting_answer": ("连接恢复后将重发：{action}", "Will resend after reconnecting: {action}"),
        "done_called": ("已呼叫 {number}", "Called {number}"),
        "done_recall": ("已重呼 {number}", "Recalled {number}"),
        "done_start": ("{number} 开始办理", "Serving {number}"),
        "done_finish": ("{number} 已办结", "{number} finished"),
        "done_no_show": ("{number} 已过号", "{number} marked a no-show"),
        "done_put_back": ("{number} 已重新排队", "{number} is back in the queue"),
        "done_transfer": ("{number} 已转移", "{number} transferred"),
        "done_hold": ("{number} 已暂挂", "{number} held"),
        "done_cancel": ("{number} 已取消", "{number} cancelled"),
        "done_pause": ("已暂停服务", "Counter paused"),
        "done_resume": ("已恢复服务", "Counter resumed"),
        "done_sign_out": ("已退出登录", "Signed out"),
        "auto_empty": ("自动叫号：暂无等候的号。", "Auto-call: nobody is waiting."),
        # dialogs
        "ok": ("确定", "OK"),
        "cancel_dialog": ("取消", "Cancel"),
        "number": ("号码", "Number"),
        "number_hint": ("输入号码，如 A012", "Type a number, e.g. A012"),
        "pick_held": ("暂挂的号", "Held"),
        "pick_next": ("等候中的号", "Waiting"),
        "pick_no_show": ("本窗口过号", "My no-shows"),
        "pick_none": ("（无）", "(none)"),
        "reason": ("原因（可不填）", "Reason (optional)"),
        "own_reason": ("或填写原因", "Or type a reason"),
        "to_service": ("转到业务", "To a service"),
        "to_counter": ("转到窗口", "To a counter"),
        "pick_reason": ("选择暂停原因", "Choose why you pause"),
        "bad_number": ("号码格式不对，应如 A012。", "Not a ticket number; it looks like A012."),
        "pick_target": ("请选择一个业务或窗口。", "Choose a service or a counter."),
        "reason_needed": ("请填写原因。", "Please give a reason."),
        "offline_dialog": (
            "未连接服务器，尚未发送；连接恢复后请再按确定。",
            "Not connected to the server, so nothing was sent. Press OK again once it is back.",
        ),
        # the clerk's own password (password_dialog.py)
        "change_password": ("修改密码", "Change password"),
        "set_password": ("请设置新密码", "Set a new password"),
        "password_must_change": (
            "您使用的是值班长给的一次性密码，请先设置自己的新密码再开始工作。",
            "You signed in with a one-time password from the supervisor: set your own before you start.",
        ),
        "current_password": ("当前密码", "Current password"),
        "new_password": ("新密码", "New password"),
        "new_password_again": ("再次输入新密码", "New password again"),
        "need_passwords": ("请输入当前密码和新密码。", "Enter the current and the new password."),
        "passwords_differ": ("两次输入的新密码不一致。", "The two new passwords differ."),
        "password_checking": ("正在提交…", "Checking…"),
        "done_change_password": ("密码已修改。", "Password changed."),
    }
)


def refusal_text(answer: dict[str, Any], lang: str) -> str:
    """The server's refusal in the clerk's language.

    The server words every refusal in Chinese itself (``message_zh``); the English sentence is
    built from the shared catalogue by code, because the server's ``message`` is meant for logs
    and may read like one."""
    if lang == "zh" and answer.get("message_zh"):
        return str(answer["message_zh"])
    details = dict(answer.get("details") or {})
    if "field" in answer:
        details.setdefault("field", answer["field"])
    code = str(answer.get("code", ""))
    text = error_text(code, lang, details)
    return text if text != code else str(answer.get("message") or code)


_SESSION_ENDS = (
    (re.compile(r"^day end$"), "end_day"),
    (re.compile(r"^taken over by (?P<name>.+)$"), "end_taken_over"),
    (re.compile(r"^moved to counter (?P<counter>\d+)$"), "end_moved"),
    (re.compile(r"^signed out by supervisor (?P<name>.+)$"), "end_supervisor"),
)


def session_end_text(reason: str, lang: str) -> str:
    """Why a session ended, in the clerk's language.

    The server states its own reasons in fixed English phrases (protocol 5.5); a supervisor's
    own words are shown as written."""
    for pattern, key in _SESSION_ENDS:
        m = pattern.match(reason)
        if m:
            return T(key, lang, **m.groupdict())
    return reason


def minutes(seconds: float, lang: str) -> str:
    """A limit or a long wait in words a clerk cannot take for a time of day: "15 分钟" /
    "15 min", "1 小时 5 分钟" / "1 h 5 min" (a clock-like 15:00 reads as 3 pm); under a minute
    in seconds."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} 秒" if lang == "zh" else f"{s} s"
    h, m = divmod(s // 60, 60)
    hours, mins = (f"{h} 小时", f"{m} 分钟") if lang == "zh" else (f"{h} h", f"{m} min")
    return (hours + (f" {mins}" if m else "")) if h else mins


def duration(seconds: float, lang: str) -> str:
    """A wait or service time as a clerk reads it at a glance: 45 s, 12 min 05 s, 1 h 02 min.

    Units are written out: "12:05" beside a clock reads as five past twelve."""
    s = max(0, int(seconds))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    zh = lang == "zh"
    if h:
        return f"{h} 小时 {m:02d} 分" if zh else f"{h} h {m:02d} min"
    if m:
        return f"{m} 分 {sec:02d} 秒" if zh else f"{m} min {sec:02d} s"
    return f"{s} 秒" if zh else f"{s} s"
