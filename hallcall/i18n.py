"""Words the programs show people, in Chinese and English.

Error replies carry a stable ``code``; this catalog turns a code and its details into a
sentence a clerk or visitor understands, in either language, so every program words the same
refusal the same way.
"""

from __future__ import annotations

from typing import Any

from hallcall.protocol.errors import ERROR_CODES
from hallcall.protocol.faults import KNOWN_FAULTS

# One Chinese and one English sentence per registered error code (hallcall/protocol/errors.py).
ERRORS: dict[str, dict[str, str]] = {
    "bad_json": {"zh": "消息不是有效的 JSON。", "en": "The message is not valid JSON."},
    "bad_message": {"zh": "消息格式不正确。", "en": "The message is not in the expected form."},
    "bad_field": {"zh": "字段 {field} 缺失或类型不对。", "en": "The field {field} is missing or of the wrong type."},
    "unknown_type": {"zh": "未知的消息类型。", "en": "Unknown message type."},
    "too_large": {"zh": "消息过大。", "en": "The message is too large."},
    "protocol_version": {
        "zh": "程序版本与服务器不匹配，请升级。",
        "en": "This program's protocol version does not match the server; please upgrade.",
    },
    "hello_required": {"zh": "请先登录。", "en": "Please sign in first."},
    "already_authenticated": {"zh": "此连接已登录。", "en": "This connection is already signed in."},
    "auth_failed": {"zh": "用户名或密码不正确。", "en": "The name or password is not correct."},
    "forbidden": {"zh": "此终端无权执行该操作。", "en": "This device may not do that."},
    "token_revoked": {
        "zh": "这台设备的令牌已被吊销或更换，请向管理员索取新令牌。",
        "en": "This device's token was revoked or replaced; ask the hall's administrator for the new one.",
    },
    "desk_required": {
        "zh": "绿色通道和导办台取号须先输入导办台密码。",
        "en": "Green-channel and guide-desk tickets need the guide-desk PIN first.",
    },
    "wrong_pin": {"zh": "导办台密码不正确。", "en": "The guide-desk PIN is not correct."},
    "pin_locked": {
        "zh": "密码错误次数过多，请{retry_after}秒后再试。",
        "en": "Too many wrong PINs; please try again in {retry_after} s.",
    },
    "rate_limited": {
        "zh": "本机取号过于频繁，请稍候{retry_after}秒再取号。",
        "en": "This kiosk is issuing tickets very fast; please wait {retry_after} s and try again.",
    },
    "internal": {"zh": "服务器内部错误，操作未执行。", "en": "Server error; nothing was changed."},
    "storage_error": {
        "zh": "保存失败，操作未执行，请重试。",
        "en": "Could not save; nothing was changed. Please try again.",
    },
    "unknown_service": {"zh": "没有这个业务。", "en": "There is no such service."},
    "unknown_counter": {"zh": "没有{counter}号窗口。", "en": "There is no counter {counter}."},
    "unknown_ticket": {"zh": "今天没有{number}号。", "en": "There is no ticket {number} today."},
    "unknown_warning": {
        "zh": "没有这条未解除的提醒（可能已解除）。",
        "en": "There is no such open warning (it may have cleared).",
    },
    "unknown_fault": {
        "zh": "设备报告了未知的故障代码 {fault}。",
        "en": "The device reported an unknown fault code {fault}.",
    },
    "wrong_state": {
        "zh": "{number}号当前状态不允许此操作。",
        "en": "Ticket {number} cannot do that in its current state.",
    },
    "service_closed": {"zh": "该业务现在不取号。", "en": "This service is not issuing tickets now."},
    "daily_cap_reached": {"zh": "该业务今日号已取完。", "en": "This service has no tickets left today."},
    "priority_not_allowed": {"zh": "该业务不设优先号。", "en": "This service takes no priority tickets."},
    "not_signed_in": {"zh": "{counter}号窗口无人登录。", "en": "Nobody is signed in at counter {counter}."},
    "no_current_ticket": {"zh": "当前没有正在办理的号。", "en": "There is no ticket at this counter now."},
    "counter_busy": {
        "zh": "请先办结或标记过号：{number}。",
        "en": "Finish ticket {number} or mark it a no-show first.",
    },
    "counter_paused": {"zh": "窗口已暂停，请先恢复服务。", "en": "The counter is paused; resume it first."},
    "not_paused": {"zh": "窗口未暂停。", "en": "The counter is not paused."},
    "queue_empty": {"zh": "暂无等候的号。", "en": "Nobody is waiting."},
    "not_your_service": {"zh": "本窗口不办理{number}号的业务。", "en": "This counter does not serve ticket {number}."},
    "recall_limit": {
        "zh": "{number}号已达重呼次数上限。",
        "en": "Ticket {number} has been recalled the most times allowed.",
    },
    "putback_limit": {
        "zh": "{number}号已达过号重排次数上限。",
        "en": "Ticket {number} has been put back the most times allowed.",
    },
    "not_allowed_at_counter": {
        "zh": "您不是{counter}号窗口的A岗或B岗人员。",
        "en": "You are neither a clerk nor a backup of counter {counter}.",
    },
    "counter_occupied": {
        "zh": "{counter}号窗口已有人登录。",
        "en": "Someone is already signed in at counter {counter}.",
    },
    "clerk_busy_elsewhere": {
        "zh": "您在{counter}号窗口还有未办结的号。",
        "en": "You still have a ticket at counter {counter}.",
    },
    "bad_address": {"zh": "服务器地址无效。", "en": "The server address is not valid."},
    "bad_certificate": {
        "zh": "无法与服务器 {url} 建立加密连接（{problem}）。请核对 --ca 所给的大厅根证书 hall-ca.pem。",
        "en": "No encrypted connection to the server {url} ({problem}); check the hall CA given with --ca.",
    },
    "session_ended": {"zh": "登录已失效，请重新登录。", "en": "Your sign-in has ended; please sign in again."},
    "nothing_to_evaluate": {"zh": "没有可评价的办件。", "en": "There is no finished service to evaluate."},
    "already_evaluated": {"zh": "该号已评价过。", "en": "This ticket has already been evaluated."},
    "reason_required": {"zh": "不满意评价需选择原因。", "en": "A dissatisfied evaluation needs a reason."},
    "unknown_reason": {"zh": "评价原因无效。", "en": "That evaluation reason is not one of the hall's."},
    "bad_date": {"zh": "日期格式应为 年-月-日，如 2026-12-01。", "en": "A date must be YYYY-MM-DD, e.g. 2026-12-01."},
    "bad_range": {"zh": "开始日期晚于结束日期。", "en": "The range starts after it ends."},
    "locked_out": {
        "zh": "密码错误次数过多，请 {minutes} 分钟后再试。",
        "en": "Too many wrong passwords. Try again in {minutes} min.",
    },
    "wrong_password": {"zh": "当前密码不正确。", "en": "The current password is not correct."},
    "weak_password": {"zh": "新密码不可用：{rule_text}。", "en": "That new password cannot be used: {rule_text}."},
    "password_change_required": {
        "zh": "请先设置新密码。",
        "en": "Please set a new password first.",
    },
    "unknown_clerk": {"zh": "没有工作人员 {clerk}。", "en": "There is no clerk {clerk}."},
    "appointments_off": {"zh": "此业务不接受预约。", "en": "This service takes no appointments."},
    "no_such_slot": {"zh": "没有这个预约时段。", "en": "There is no such appointment slot."},
    "slot_full": {"zh": "该时段已约满，请选择其他时段。", "en": "This slot is fully booked; please choose another."},
    "bad_phone": {"zh": "请填写11位手机号码。", "en": "Please enter an 11-digit mobile number."},
    "too_far_ahead": {
        "zh": "该日期不在可预约范围内。",
        "en": "That day is not open for booking.",
    },
    "unknown_booking": {"zh": "没有找到这个预约。", "en": "No such booking was found."},
    "not_today": {"zh": "这个预约不是今天的（{day}）。", "en": "This booking is not for today ({day})."},
    "already_checked_in": {
        "zh": "这个预约已签到，号码 {ticket}。",
        "en": "This booking has already checked in: ticket {ticket}.",
    },
    "too_early": {
        "zh": "还未到签到时间，请于{opens_at}后签到。",
        "en": "Check-in has not opened yet; please come back at {opens_at}.",
    },
    "too_late": {
        "zh": "已过签到时间，请取普通号。",
        "en": "Check-in has closed for this booking; please take an ordinary ticket.",
    },
    "booking_cancelled": {"zh": "这个预约已取消。", "en": "This booking was cancelled."},
}

# What each password rule says (server/auth.py PASSWORD_RULES; a ``weak_password`` error's
# ``details.rule``), filled into that error's sentence as ``{rule_text}``.
PASSWORD_RULES: dict[str, dict[str, str]] = {
    "too_short": {"zh": "至少需要 {min} 个字符", "en": "it needs at least {min} characters"},
    "same_as_name": {"zh": "不能与用户名相同", "en": "it may not be the same as the name"},
    "one_character": {"zh": "不能全是同一个字符", "en": "it may not be one character repeated"},
    "common": {"zh": "这是最常见的密码之一", "en": "it is one of the most common passwords"},
    "same_as_current": {"zh": "不能与当前密码相同", "en": "it must differ from the current password"},
}

assert ERRORS.keys() == ERROR_CODES, "every registered error code, and only those, has its texts"

# The words of each device fault code (hallcall/protocol/faults.py): what a clerk and a
# supervisor read; the device's raw detail goes to the log and the console only.
FAULTS: dict[str, dict[str, str]] = {
    "device.fault": {"zh": "设备故障", "en": "Device fault"},
    "printer.out_of_paper": {"zh": "打印机缺纸", "en": "Printer out of paper"},
    "printer.paper_low": {"zh": "打印纸即将用完", "en": "Printer paper running low"},
    "printer.cover_open": {"zh": "打印机盖未关好", "en": "Printer cover open"},
    "printer.head_error": {"zh": "打印机切刀或打印头故障", "en": "Printer cutter or head fault"},
    "printer.offline": {"zh": "打印机离线", "en": "Printer offline"},
    "printer.not_responding": {"zh": "打印机无响应", "en": "Printer not responding"},
    "printer.unreachable": {"zh": "无法连接打印机", "en": "Cannot reach the printer"},
    "printer.failed": {"zh": "打印失败", "en": "Printing failed"},
    "printer.bad_setting": {"zh": "打印机设置有误", "en": "Printer setting is wrong"},
    "sound.output_failed": {"zh": "无法播放声音", "en": "No sound output"},
    "sound.chime_missing": {
        "zh": "提示音文件无法读取，改用默认提示音",
        "en": "Chime file unreadable: built-in chime used",
    },
    "speech.engine_failed": {"zh": "语音播报不可用，仅播放提示音", "en": "Voice announcements unavailable: chime only"},
    "voice.pack_broken": {
        "zh": "录音语音包无法使用，改用合成语音",
        "en": "Recorded voice pack unusable: synthetic voice used",
    },
}

assert FAULTS.keys() == KNOWN_FAULTS, "every registered fault code, and only those, has its texts"


def fault_text(code: str, lang: str) -> str:
    """The words of a fault code in ``lang``; an unknown code is shown as itself."""
    entry = FAULTS.get(code)
    return entry[lang] if entry else code


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""


def error_text(code: str, lang: str, details: dict[str, Any] | None = None) -> str:
    """The sentence for an error code in ``lang``; unknown codes fall back to the code itself."""
    entry = ERRORS.get(code)
    if entry is None:
        return code
    fields = _Blank(details or {})
    rule = PASSWORD_RULES.get(str(fields.get("rule", "")))
    if rule is not None:  # a weak password: the rule it broke, in the same language
        fields["rule_text"] = rule[lang if lang in rule else "en"].format_map(fields)
    return entry.get(lang, entry["en"]).format_map(fields)


# Day and month names by table, not strftime: Qt sets the process locale from the system, so
# %a/%b would print Chinese names on an English screen of a PC set up in Chinese.
WEEKDAYS = {
    "zh": ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_DEVICE_AUTH = {
    "zh": "服务器不认这台设备的令牌，请核对大厅配置中的设备令牌。",
    "en": "The server does not accept this device's token; check the device token in the hall config.",
}


def device_refusal(answer: dict[str, Any]) -> dict[str, str]:
    """Why the server refused a kiosk's or display's hello, in both languages.  The shared
    ``auth_failed`` words speak of a name and password, which misleads whoever sets up a
    device that signs in with a token."""
    code = answer.get("code", "")
    if code == "auth_failed":
        return dict(_DEVICE_AUTH)
    details = answer.get("details")
    return {"zh": answer.get("message_zh") or error_text(code, "zh", details), "en": answer.get("message") or code}


LANGUAGES = ("zh", "en")


def other_lang(lang: str) -> str:
    """The second of the two languages every screen offers, one tap away."""
    return "en" if lang == "zh" else "zh"


def name_in(names: dict[str, str] | None, lang: str, fallback: str = "") -> str:
    """A configured {zh, en} name in ``lang``, else in the other language, else ``fallback``
    (a hall config may name a counter or service in one language only)."""
    if not names:
        return fallback
    return names.get(lang) or names.get(other_lang(lang)) or fallback


class Strings:
    """A program's own table of words: key → (Chinese, English), with ``{name}`` fields.

    Each program keeps one table in its own module, so a missing translation is one place to
    look, and a screen switches language by asking again with the other ``lang``.  An unknown
    key raises KeyError at once rather than showing the key to a visitor."""

    def __init__(self, table: dict[str, tuple[str, str]]) -> None:
        self.table = table

    def get(self, key: str, lang: str, **fields: Any) -> str:
        zh, en = self.table[key]
        text = zh if lang == "zh" else en
        return text.format(**fields) if fields else text

    __call__ = get

    def both(self, key: str, **fields: Any) -> dict[str, str]:
        """The text in both languages, {"zh": …, "en": …}: for a message a screen keeps and
        redraws in whichever language is chosen later."""
        return {lang: self.get(key, lang, **fields) for lang in LANGUAGES}
