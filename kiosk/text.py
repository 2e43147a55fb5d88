"""Everything the kiosk says to people, in Chinese and English.

One table for the whole program, so a translation is checked in one place and a missing
entry fails loudly (``KeyError``) instead of showing a blank button to a visitor.
"""

from __future__ import annotations

import math

from hallcall.i18n import Strings

T = Strings(
    {
        # start screen
        "switch_lang": ("English", "中文"),
        "take_ticket": ("请选择业务取号", "Please choose a service"),
        "waiting": ("等候 {n} 人", "{n} waiting"),
        "opens_at": ("{t} 起取号", "From {t}"),
        "closed_today": ("今日已停止取号", "Closed for today"),
        "cap_reached": ("今日号已发完", "No more numbers today"),
        "issuing": ("正在取号，请稍候…", "Issuing your ticket, please wait…"),
        "offline": (
            "暂时无法连接服务器，正在自动重试，请稍候或咨询导办台",
            "Cannot reach the server. Retrying by itself; please wait or ask the guide desk",
        ),
        "issue_timed_out": (
            "未能取号，请重新点击业务或咨询导办台",
            "No ticket could be issued; please tap the service again or ask the guide desk",
        ),
        "connecting": ("正在连接服务器…", "Connecting to the server…"),
        "refused": ("本机未获授权取号，请联系工作人员", "This kiosk may not issue tickets; please call staff"),
        "no_services": ("暂无可办理的业务", "No services available"),
        # waits
        "no_wait": ("无需等候", "No wait"),
        "wait_min": ("约 {m} 分钟", "about {m} min"),
        "wait_hours": ("约 {h} 小时 {m} 分钟", "about {h} h {m} min"),
        # confirmation
        "your_number": ("您的号码", "Your number"),
        "ahead": ("前面还有 {n} 人", "{n} ahead of you"),
        "ahead_none": ("前面没有人", "Nobody ahead of you"),
        "est_wait": ("预计等候：{wait}", "Estimated wait: {wait}"),
        "no_wait_expected": ("预计无需等候", "No wait expected"),
        "materials": ("请备好以下材料：", "Please have ready:"),
        "green": ("绿色通道", "Green channel"),
        "appointment": ("预约", "Appointment"),
        "take_ticket_below": ("请取走下方打印的号票", "Please take your printed ticket below"),
        "printing": ("正在打印号票…", "Printing your ticket…"),
        "tap_to_finish": ("点击屏幕返回", "Tap the screen to go back"),
        "no_printer": (
            "本机不打印号票：请拍下二维码或记住您的号码",
            "This kiosk prints no tickets: photograph the QR code or remember your number",
        ),
        "print_fault": (
            "号票未能打印，号码依然有效：请拍下二维码，或到导办台领取纸质号票",
            "The ticket could not be printed, but your number is valid: photograph the QR code, "
            "or ask the guide desk for a printed ticket",
        ),
        "qr_hint": ("扫码查看排队进度", "Scan to follow your place in the queue"),
        # the printed ticket (it also prints "green", "ahead" and "qr_hint" above)
        "ticket_next": ("您是下一位", "You are next"),
        "ticket_wait": ("预计等候{wait}", "Estimated wait: {wait}"),
        "ticket_issued": ("取号时间 {t}", "Issued {t}"),
        "ticket_counter": ("办理窗口：{hint}", "Counter: {hint}"),
        "ticket_materials": ("请备齐以下材料：", "Please bring:"),
        "ticket_more_materials": ("另有 {n} 项材料，请咨询导办台", "{n} more item(s): please ask at the guide desk"),
        # staff line (for staff, not alarming to visitors)
        "printer_config": (
            "打印机设置有误（{detail}），号码仅在屏幕显示",
            "Printer setting is wrong ({detail}); on-screen tickets only",
        ),
        "printer_fault_staff": ("打印机故障：{detail}", "Printer fault: {detail}"),
        "printer_note": ("打印机提示：{detail}", "Printer: {detail}"),
        "qr_link_local": (
            "二维码链接指向本机（{host}），手机无法打开：请在配置中设置 public_url",
            "QR links point at this PC ({host}), which no phone can open: set public_url in the config",
        ),
        # appointment check-in (the refusals themselves are the server's error texts)
        "have_appointment": ("我有预约", "I have an appointment"),
        "check_in_title": ("预约签到", "Appointment check-in"),
        "check_in_prompt": (
            "请输入预约码，或手机号后 4 位（也可扫描预约二维码）",
            "Enter your booking code or the last 4 digits of your phone (or scan the booking QR code)",
        ),
        "check_in": ("签到取号", "Check in"),
        "checking_in": ("正在签到…", "Checking in…"),
        "pick_booking": ("找到多个预约，请选择您的预约", "Several bookings match; please pick yours"),
        "booking_line": ("{start}–{end}  {service}  {name}", "{start}–{end}  {service}  {name}"),
        "too_late_offer": ("取普通号：{service}", "Take a normal ticket: {service}"),
        "too_late_pick": ("改取普通号", "Take a normal ticket instead"),
        "back": ("返回", "Back"),
        "bad_code": (
            "请输入 8 位预约码或手机号后 4 位",
            "Enter the 8-character booking code or the last 4 digits of your phone",
        ),
        # guide desk
        "staff": ("工作人员", "Staff"),
        "enter_pin": ("请输入工作人员密码", "Enter the staff PIN"),
        "wrong_pin": ("密码不正确", "Wrong PIN"),
        "checking_pin": ("正在核对密码…", "Checking the PIN…"),
        "pin_locked": ("错误次数过多，请 {s} 秒后再试", "Too many wrong tries; try again in {s} s"),
        "ok": ("确定", "OK"),
        "cancel": ("取消", "Cancel"),
        "clear": ("清除", "Clear"),
        "delete": ("删除", "Delete"),
        "guide_desk": ("导办台", "Guide desk"),
        "issue_for": ("代取号", "Issue"),
        "issue_green": ("绿色通道", "Green channel"),
        "reprint": ("补打号票", "Reprint a ticket"),
        "reprint_button": ("补打", "Reprint"),
        "ticket_number": ("号码", "Number"),
        "exit": ("退出", "Exit"),
        "reprinting": ("正在补打 {number}…", "Reprinting {number}…"),
        "reprinted": ("{number} 已补打", "{number} reprinted"),
        "reprint_failed": ("{number} 补打失败：{detail}", "Could not reprint {number}: {detail}"),
        "issued_for": ("已取号 {number}（{service}）", "Issued {number} ({service})"),
        "no_printer_staff": ("本机未接打印机", "This kiosk has no printer"),
        "request_failed": ("操作失败：{message}", "Failed: {message}"),
    }
)


def wait_line(seconds: int | float, lang: str, key: str) -> str:
    """The ticket's or the screen's wait line (``key``: its phrase around the wait), said whole
    when there is no wait: "Estimated wait: No wait" reads as a contradiction."""
    if seconds <= 0:
        return T("no_wait_expected", lang)
    return T(key, lang, wait=wait_text(seconds, lang))


def wait_text(seconds: int | float, lang: str) -> str:
    """An estimated wait as people say it: whole minutes, rounded up, hours past 60 minutes."""
    if seconds <= 0:
        return T("no_wait", lang)
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return T("wait_min", lang, m=minutes)
    return T("wait_hours", lang, h=minutes // 60, m=minutes % 60)
