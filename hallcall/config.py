"""The hall configuration: one TOML file describing services, counters and devices.

Parsing uses the standard library's ``tomllib``; shape and types are checked by msgspec so a
mistyped key is reported with its path.  The cross-checks that only make sense for a hall
(a counter naming an unknown service, two services sharing a prefix, an hour of 25) are ours.
Every problem is reported as a :class:`ConfigError` naming the file, the line where it can be
found, and what is wrong, so a hall's technician can fix it without reading code.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import itertools
import re
import tomllib
import zoneinfo
from pathlib import Path
from typing import Literal

import msgspec

from hallcall.printer_spec import PrinterSpecError, parse_spec

Policy = Literal["oldest", "in_order"]
Lang = Literal["zh", "en"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigError(Exception):
    """A hall config that cannot be used; the message says where and why."""

    def __init__(self, path: str | Path, problem: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {problem}")


class Names(msgspec.Struct, forbid_unknown_fields=True):
    """A name in both of the hall's languages."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Materials(msgspec.Struct, forbid_unknown_fields=True):
    """What a visitor must bring ("one-time notification"), one list per language."""

    zh: list[str] = []
    en: list[str] = []


class Service(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    prefix: str
    name: Names
    target_wait_minutes: int = 30
    daily_cap: int = 0  # 0 = no cap
    issuing_hours: list[str] = []  # empty = the hall's opening hours
    materials: Materials = msgspec.field(default_factory=Materials)
    priority_allowed: bool = True
    default_handle_minutes: float = 6.0  # used for estimates before today's first finish
    zone: str = ""
    appointment_slot_minutes: int = 0  # 0 = this service takes no appointments
    appointment_quota: int = 0  # bookings per slot; 0 = no appointments


class Counter(msgspec.Struct, forbid_unknown_fields=True):
    number: int
    name: Names | None = None
    services: list[str] = []  # ordered; empty = every service (a comprehensive window)
    policy: Policy = "oldest"
    clerks: list[str] = []  # A role; empty together with backups = any clerk may sign in
    backups: list[str] = []  # B role: may sign in when no A clerk is there
    zone: str = ""
    staffed: bool = True  # expected to have a clerk during opening hours

    @property
    def open_to_any_clerk(self) -> bool:
        """No A or B clerks named: any clerk may sign in here (the one place this rule lives)."""
        return not self.clerks and not self.backups

    def admits(self, clerk: str) -> bool:
        """May ``clerk`` sign in at this counter."""
        return self.open_to_any_clerk or clerk in self.clerks or clerk in self.backups


class Clerk(msgspec.Struct, forbid_unknown_fields=True):
    """A clerk's display name (``[[clerks]]``): the login ``id`` is what the clerk types, the
    name is what the counter, the console and the evaluation pad show.  ``name_en`` "" = the
    Chinese name on English screens too."""

    id: str
    name: str
    name_en: str = ""

    @property
    def names(self) -> Names:
        """The name in both languages."""
        return Names(zh=self.name, en=self.name_en or self.name)


class Device(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    token: str
    zone: str = ""
    # A kiosk's own printer settings; None = the [kiosk] section's.
    printer: str | None = None
    paper_mm: Literal[58, 80] | None = None
    encoding: Literal["gb18030", "gbk", "utf-8", "image"] | None = None
    qr: Literal["native", "image", "none"] | None = None


class Pad(msgspec.Struct, forbid_unknown_fields=True):
    """An evaluation pad: a small tablet facing the visitor at one counter."""

    name: str
    token: str
    counter: int


class Devices(msgspec.Struct, forbid_unknown_fields=True):
    kiosks: list[Device] = []
    displays: list[Device] = []
    pads: list[Pad] = []


class QueueRules(msgspec.Struct, forbid_unknown_fields=True):
    max_recalls: int = 2
    max_putbacks: int = 1
    putback_cooldown_seconds: int = 60
    putback_places: int = 3  # default for "N places later"; 0 = at the end
    priority_streak_limit: int = 3  # after this many priority calls a counter takes a normal one
    handle_time_window: int = 20  # finished tickets averaged for estimates


class Supervision(msgspec.Struct, forbid_unknown_fields=True):
    wait_warn_fraction: float = 0.8
    pause_limit_minutes: int = 20
    unstaffed_grace_minutes: int = 5
    # A kiosk, display or pad with no connection this long in opening hours is a warning; 0 = never.
    device_absent_minutes: int = 10


class EvaluationReason(msgspec.Struct, forbid_unknown_fields=True):
    """Why a visitor was dissatisfied: a stable ``code`` (journaled) and its texts."""

    code: str
    zh: str
    en: str


def _default_reasons() -> list[EvaluationReason]:
    return [
        EvaluationReason("slow", "等候时间长", "Long wait"),
        EvaluationReason("attitude", "服务态度差", "Attitude"),
        EvaluationReason("unclear", "解释不清楚", "Not explained clearly"),
        EvaluationReason("come_again", "要求再次来办", "Asked to come again"),
        EvaluationReason("other", "其他", "Other"),
    ]


class Evaluation(msgspec.Struct, forbid_unknown_fields=True):
    """The visitor's five-level evaluation (好差评): the reasons offered for level 2 and 1, how
    long after a finish a pad may still evaluate it, and how long a ``dissatisfied`` warning stays."""

    reasons: list[EvaluationReason] = msgspec.field(default_factory=_default_reasons)
    pad_window_seconds: int = 120
    warning_minutes: int = 30


class Server(msgspec.Struct, forbid_unknown_fields=True):
    synchronous: Literal["normal", "full"] = "full"
    max_message_bytes: int = 16384
    queue_update_interval_ms: int = 250
    # Tickets one device may issue: `issue_burst` at once, then this many a minute of hall time
    # (a person at a kiosk or the guide desk is far slower); 0 = no limit (load tests only).
    issue_rate_per_minute: float = 20.0
    issue_burst: int = 10


class Export(msgspec.Struct, forbid_unknown_fields=True):
    """``hallcall export``: where this hall's journal goes for the city report (docs/city.md)."""

    to: str = ""  # postgresql://… ; empty = not exported
    hall_id: str = ""  # the hall's id in the city; empty = the config file's name
    interval_seconds: float = 30.0


def _names(zh: str, en: str) -> Names:
    return Names(zh=zh, en=en)


class Kiosk(msgspec.Struct, forbid_unknown_fields=True):
    """Defaults for every kiosk: its printer, the ticket's footer and the guide-desk PIN."""

    printer: str = ""  # "" or "none" = no printer: the ticket is shown on screen only
    paper_mm: Literal[58, 80] = 80
    encoding: Literal["gb18030", "gbk", "utf-8", "image"] = "gb18030"
    qr: Literal["native", "image", "none"] = "native"
    footer: Names = msgspec.field(
        default_factory=lambda: _names("过号请重新取号", "A missed number needs a new ticket")
    )
    staff_pin: str = ""  # guide-desk PIN, 4-12 digits; "" = no guide-desk mode
    confirm_seconds: int = 8
    print_timeout_seconds: float = 3.0
    # How often an idle kiosk asks its printer how it is (0 = only at start and with tickets),
    # so an unplugged or empty printer is reported before the next visitor finds out.
    printer_check_seconds: float = 5.0
    # A ticket the kiosk promised to confirm (it shows every number it issues) and never did:
    # seen by nobody, it is cancelled after this long; 0 = never.
    unshown_cancel_minutes: float = 5.0


class Display(msgspec.Struct, forbid_unknown_fields=True):
    notice: Names = msgspec.field(default_factory=lambda: _names("", ""))
    recent_calls: int = 8
    flash_seconds: int = 5


class Announce(msgspec.Struct, forbid_unknown_fields=True):
    """How the hall display speaks a call: chime, then the phrase in each language."""

    enabled: bool = True
    languages: list[Lang] = msgspec.field(default_factory=lambda: ["zh", "en"])
    repeats: int = 1
    phrase: Names = msgspec.field(
        default_factory=lambda: _names(
            "请{number}号到{counter}号窗口办理", "Ticket {number}, please go to counter {counter}"
        )
    )
    voices: Names = msgspec.field(default_factory=lambda: _names("cmn-latn-pinyin", "en"))
    rate: int = 150  # words per minute
    volume: float = 1.0
    chime: str = "chime.wav"  # a file in assets/sounds/, or an absolute path
    speech_timeout_seconds: float = 8.0
    # A recorded voice pack per language: a folder in assets/voices/ or an absolute path on the
    # display's PC; "" = the speech engine (display/voice_pack.py, docs/voice-packs.md).
    voice_packs: Names = msgspec.field(default_factory=lambda: _names("", ""))


class CounterProgram(msgspec.Struct, forbid_unknown_fields=True):
    auto_call: bool = False
    pause_reasons: list[Names] = msgspec.field(
        default_factory=lambda: [
            _names("休息", "Break"),
            _names("开会", "Meeting"),
            _names("后台业务", "Back office"),
            _names("其他", "Other"),
        ]
    )


class AppointmentDay(msgspec.Struct, forbid_unknown_fields=True):
    """A special date with its own hours (a weekend or holiday opened for bookings); no hours = closed."""

    date: str
    hours: list[str] = []
    appointment_only: bool = False


class Appointments(msgspec.Struct, forbid_unknown_fields=True):
    enabled: bool = False
    days_ahead: int = 7  # how many days ahead a slot may be booked (today included)
    early_minutes: int = 30  # check-in opens this long before the slot starts
    late_minutes: int = 15  # ... and closes this long after; later -> a normal ticket
    max_run: int = 2  # appointment tickets called in a row before a waiting walk-in's turn
    days: list[AppointmentDay] = []


class Hall(msgspec.Struct, forbid_unknown_fields=True):
    name: Names
    languages: list[Lang] = msgspec.field(default_factory=lambda: ["zh", "en"])
    timezone: str = "Asia/Shanghai"
    rollover_hour: int = 3
    opening_hours: list[str] = msgspec.field(default_factory=lambda: ["08:30-12:00", "13:30-17:30"])
    open_days: list[str] = msgspec.field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    public_url: str = ""  # base address printed on tickets; empty = the server's own


class HallConfig(msgspec.Struct, forbid_unknown_fields=True, dict=True):
    hall: Hall
    services: list[Service]
    counters: list[Counter]
    clerks: list[Clerk] = []
    devices: Devices = msgspec.field(default_factory=Devices)
    queue: QueueRules = msgspec.field(default_factory=QueueRules)
    supervision: Supervision = msgspec.field(default_factory=Supervision)
    evaluation: Evaluation = msgspec.field(default_factory=Evaluation)
    server: Server = msgspec.field(default_factory=Server)
    kiosk: Kiosk = msgspec.field(default_factory=Kiosk)
    display: Display = msgspec.field(default_factory=Display)
    announce: Announce = msgspec.field(default_factory=Announce)
    counter_program: CounterProgram = msgspec.field(default_factory=CounterProgram)
    appointments: Appointments = msgspec.field(default_factory=Appointments)
    export: Export = msgspec.field(default_factory=Export)

    # Lookups built once by load(); not part of the file.
    def service(self, service_id: str) -> Service | None:
        return self._services.get(service_id)

    def counter(self, number: int) -> Counter | None:
        return self._counters.get(number)

    @property
    def tz(self) -> dt.tzinfo:
        return zoneinfo.ZoneInfo(self.hall.timezone)

    def counter_services(self, counter: Counter) -> list[str]:
        """The ordered services a counter serves; a comprehensive window serves them all."""
        return counter.services or [s.id for s in self.services]


_HOURS = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


@functools.lru_cache(maxsize=256)
def parse_hours(span: str) -> tuple[int, int]:
    """'08:30-12:00' → (510, 720) minutes after midnight; ValueError names the span.

    Cached: the server asks on every ticket issued, and a hall has only a few spans."""
    m = _HOURS.match(span.strip())
    if not m:
        raise ValueError(f"hours {span!r} are not of the form HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"hours {span!r} name a time that does not exist")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        raise ValueError(f"hours {span!r} end before they start")
    return start, end


def _check_spans(spans: list[str]) -> None:
    """Every span parses and no two overlap: overlapping hours are almost always a typo
    ("08:30-12:00", "11:30-17:00" for 13:30), and would count those minutes twice."""
    parsed = sorted((parse_hours(span), span) for span in spans)
    for (first, a), (second, b) in itertools.pairwise(parsed):
        if second[0] < first[1]:
            raise ValueError(f"hours {a!r} and {b!r} overlap")


def _table_lines(text: str, table: str) -> list[int]:
    """Line numbers (1-based) of each ``[[table]]`` header, to point at the nth entry."""
    pattern = re.compile(r"^\s*\[\[\s*" + re.escape(table) + r"\s*\]\]")
    return [i + 1 for i, line in enumerate(text.splitlines()) if pattern.match(line)]


def _line_containing(text: str, needle: str) -> int | None:
    for i, line in enumerate(text.splitlines()):
        if needle in line:
            return i + 1
    return None


def _line_of_key(text: str, key: str) -> int | None:
    pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
    for i, line in enumerate(text.splitlines()):
        if pattern.match(line):
            return i + 1
    return None


def _key_in_section(lines: list[str], start: int, key: str) -> int | None:
    """Line of ``key =`` in the section whose header is line ``start`` (0 = before any header)."""
    pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
    for j in range(start, len(lines)):
        if lines[j].lstrip().startswith("[["):
            break
        if re.match(r"^\s*\[\s*[\w.]+\s*\]\s*(#.*)?$", lines[j]):
            break
        if pattern.match(lines[j]):
            return j + 1
    return None


def _line_for_path(text: str, path: str | None, key: str | None = None) -> int | None:
    """Best-effort line for a msgspec error at ``path`` (``$.counters[3].policy``, ``$.hall``),
    optionally about ``key`` inside it (an unknown field)."""
    lines = text.splitlines()
    parts = re.findall(r"\.(\w+)(?:\[(\d+)\])?", path or "")
    if key is not None:
        parts.append((key, ""))
    if not parts:
        return None
    # The deepest table that has a header of its own: [[name]] (the nth) or [name].
    header = 0
    dotted = ""
    consumed = 0
    for i, (name, index) in enumerate(parts):
        dotted = f"{dotted}.{name}" if dotted else name
        found = None
        if index:
            headers = _table_lines(text, dotted)
            if int(index) < len(headers):
                found = headers[int(index)]
        else:
            table = re.compile(r"^\s*\[\[?\s*" + re.escape(dotted) + r"\s*\]\]?\s*(#.*)?$")
            found = next((n + 1 for n, line in enumerate(lines) if table.match(line)), None)
        if found is None:
            if index or i == len(parts) - 1:
                break
            continue  # a table with no header of its own ([[devices.kiosks]] and no [devices]): look deeper
        header, consumed = found, i + 1
    if consumed == len(parts):
        return header
    for name, _ in parts[consumed:]:
        line = _key_in_section(lines, header, name)
        if line:
            return line
    return header or _line_of_key(text, parts[consumed][0])


def _fields_at(path: str) -> list[str]:
    """The keys the schema allows at a msgspec error path (``$.devices.kiosks[1]``), for "did
    you mean"; [] when the path leads nowhere known."""
    info: object = msgspec.inspect.type_info(HallConfig)
    for name in re.findall(r"\.(\w+)", path):
        info = _struct_of(info)
        field = next((f for f in getattr(info, "fields", ()) if f.name == name), None)
        if field is None:
            return []
        info = field.type
    info = _struct_of(info)
    return [f.name for f in getattr(info, "fields", ())]


def _struct_of(info: object) -> object:
    """The struct inside a list, dict or optional type (the table an entry of it is)."""
    while True:
        if isinstance(info, (msgspec.inspect.ListType, msgspec.inspect.DictType)):
            info = info.item_type if isinstance(info, msgspec.inspect.ListType) else info.value_type
        elif isinstance(info, msgspec.inspect.UnionType):
            info = next((t for t in info.types if isinstance(t, msgspec.inspect.StructType)), None)
        else:
            return info


def _readable(message: str) -> str:
    """A msgspec message as a person reads it: no ``$.``, and entries counted from 1
    (``services[0].prefix`` → ``services entry 1, prefix``)."""
    message = message.replace("$.", "").replace("`$`", "the top level")

    def entry(m: re.Match[str]) -> str:
        return f"{m.group(1)} entry {int(m.group(2)) + 1}{', ' if m.group(3) else ''}"

    return re.sub(r"(\w)\[(\d+)\](\.?)", entry, message)


def public_url_warning(config: HallConfig) -> dict[str, str] | None:
    """Words for check-config and the server's start when ``[hall] public_url`` is empty: a
    ticket's QR link then uses the address each kiosk reaches the server at, and a kiosk on the
    server's own PC (127.0.0.1) prints links no phone can open.  None when it is set."""
    if config.hall.public_url.strip():
        return None
    return {
        "en": "[hall] public_url is empty: a ticket's QR link uses the address each kiosk reaches the server at, "
        "and a kiosk that uses 127.0.0.1 or localhost prints links no phone can open; set public_url to the "
        "server's address on the hall's network (e.g. http://192.168.1.10:8765)",
        "zh": "[hall] public_url 未设置：号票二维码使用各取号机连接服务器的地址，使用 127.0.0.1 或 localhost "
        "的取号机打印的链接手机无法打开；请把 public_url 设为服务器在大厅网络中的地址（如 http://192.168.1.10:8765）",
    }


def load(path: str | Path) -> HallConfig:
    """Read, check and return a hall config; raise ConfigError naming file, line and problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, f"cannot read the file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(path, "the file is not UTF-8 text") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(path, f"TOML syntax error: {exc}", int(m.group(1)) if m else None) from exc
    try:
        config = msgspec.convert(raw, HallConfig)
    except msgspec.ValidationError as exc:
        message = str(exc)
        at = re.search(r"at `([^`]+)`", message)
        unknown = re.search(r"unknown field `([^`]+)`", message)
        line = _line_for_path(text, at.group(1) if at else "$", unknown.group(1) if unknown else None)
        problem = _readable(message)
        if unknown:
            close = difflib.get_close_matches(unknown.group(1), _fields_at(at.group(1) if at else "$"), n=2)
            problem += f" (did you mean {' or '.join(f'`{c}`' for c in close)}?)" if close else ""
        raise ConfigError(path, problem, line) from exc
    _check(config, path, text)
    config._services = {s.id: s for s in config.services}  # type: ignore[attr-defined]
    config._counters = {c.number: c for c in config.counters}  # type: ignore[attr-defined]
    return config


def _check(config: HallConfig, path: Path, text: str) -> None:
    """The checks a schema cannot express; each names the entry and its line."""
    service_lines = _table_lines(text, "services")
    counter_lines = _table_lines(text, "counters")

    def at(lines: list[int], index: int) -> int | None:
        return lines[index] if index < len(lines) else None

    hall = config.hall
    if not 0 <= hall.rollover_hour <= 23:
        raise ConfigError(
            path, f"hall.rollover_hour {hall.rollover_hour} is not an hour (0-23)", _line_of_key(text, "rollover_hour")
        )
    try:
        zoneinfo.ZoneInfo(hall.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            path, f"hall.timezone {hall.timezone!r} is not a known time zone", _line_of_key(text, "timezone")
        ) from exc
    try:
        _check_spans(hall.opening_hours)
    except ValueError as exc:
        raise ConfigError(path, f"hall.opening_hours: {exc}", _line_of_key(text, "opening_hours")) from exc
    for day in hall.open_days:
        if day not in WEEKDAYS:
            raise ConfigError(
                path, f"hall.open_days: {day!r} is not one of {', '.join(WEEKDAYS)}", _line_of_key(text, "open_days")
            )
    if not hall.languages:
        raise ConfigError(path, "hall.languages is empty; name zh, en or both", _line_of_key(text, "languages"))
    if not config.services:
        raise ConfigError(path, "the hall has no [[services]]")
    if not config.counters:
        raise ConfigError(path, "the hall has no [[counters]]")

    ids: dict[str, int] = {}
    prefixes: dict[str, int] = {}
    for i, s in enumerate(config.services):
        line = at(service_lines, i)
        if not re.fullmatch(r"[a-z0-9_-]{1,32}", s.id):
            raise ConfigError(path, f"service id {s.id!r} must be 1-32 lower-case letters, digits, - or _", line)
        if s.id in ids:
            raise ConfigError(path, f"service id {s.id!r} is used twice (also at entry {ids[s.id] + 1})", line)
        ids[s.id] = i
        if not re.fullmatch(r"[A-Z]{1,2}", s.prefix):
            raise ConfigError(path, f"service {s.id!r}: prefix {s.prefix!r} must be one or two capital letters", line)
        if s.prefix in prefixes:
            other = config.services[prefixes[s.prefix]].id
            raise ConfigError(path, f"service {s.id!r}: prefix {s.prefix!r} is already used by service {other!r}", line)
        prefixes[s.prefix] = i
        if s.target_wait_minutes <= 0:
            raise ConfigError(path, f"service {s.id!r}: target_wait_minutes must be above 0", line)
        if s.daily_cap < 0 or s.daily_cap > 999:
            raise ConfigError(path, f"service {s.id!r}: daily_cap must be 0 (no cap) to 999", line)
        if s.default_handle_minutes <= 0:
            raise ConfigError(path, f"service {s.id!r}: default_handle_minutes must be above 0", line)
        try:
            _check_spans(s.issuing_hours)
        except ValueError as exc:
            raise ConfigError(path, f"service {s.id!r}: issuing_hours: {exc}", line) from exc
        if s.appointment_slot_minutes < 0 or s.appointment_quota < 0:
            problem = "appointment_slot_minutes and appointment_quota must not be negative"
            raise ConfigError(path, f"service {s.id!r}: {problem}", line)

    numbers: dict[int, int] = {}
    for i, c in enumerate(config.counters):
        line = at(counter_lines, i)
        if c.number <= 0:
            raise ConfigError(path, f"counter number {c.number} must be 1 or more", line)
        if c.number in numbers:
            raise ConfigError(
                path, f"counter number {c.number} is used twice (also at entry {numbers[c.number] + 1})", line
            )
        numbers[c.number] = i
        for sid in c.services:
            if sid not in ids:
                raise ConfigError(path, f"counter {c.number} serves unknown service {sid!r}", line)
        if len(set(c.services)) != len(c.services):
            raise ConfigError(path, f"counter {c.number} names a service twice", line)

    _check_clerks(config, path, text)
    tokens: set[str] = set()
    names: set[str] = set()
    kinds = (("kiosk", config.devices.kiosks), ("display", config.devices.displays), ("pad", config.devices.pads))
    for kind, devices in kinds:
        for d in devices:
            line = _line_containing(text, d.token) or _line_containing(text, f'"{d.name}"')
            if len(d.token) < 8:
                raise ConfigError(path, f"{kind} {d.name!r}: token must be at least 8 characters", line)
            if d.token in tokens:
                raise ConfigError(path, f"{kind} {d.name!r}: token is used by another device", line)
            if d.name in names:
                raise ConfigError(path, f"device name {d.name!r} is used twice", line)
            if isinstance(d, Pad) and d.counter not in numbers:
                raise ConfigError(path, f"pad {d.name!r}: there is no counter {d.counter}", line)
            tokens.add(d.token)
            names.add(d.name)
    codes = [r.code for r in config.evaluation.reasons]
    if not codes or len(set(codes)) != len(codes) or not all(codes):
        raise ConfigError(
            path, "evaluation.reasons: give at least one reason, each with its own code", _line_of_key(text, "reasons")
        )

    q = config.queue
    for key in ("max_recalls", "max_putbacks", "putback_cooldown_seconds", "putback_places", "priority_streak_limit"):
        if getattr(q, key) < 0:
            raise ConfigError(path, f"queue.{key} must not be negative", _line_of_key(text, key))
    if q.handle_time_window < 1:
        raise ConfigError(path, "queue.handle_time_window must be at least 1", _line_of_key(text, "handle_time_window"))
    sup = config.supervision
    if not 0 < sup.wait_warn_fraction < 1:
        raise ConfigError(
            path, "supervision.wait_warn_fraction must be between 0 and 1", _line_of_key(text, "wait_warn_fraction")
        )
    _check_appointments(config, path, text)
    _check_programs(config, path, text)
    if config.server.max_message_bytes < 1024 or config.server.max_message_bytes > 1048576:
        raise ConfigError(
            path, "server.max_message_bytes must be 1024 to 1048576", _line_of_key(text, "max_message_bytes")
        )


def _check_appointments(config: HallConfig, path: Path, text: str) -> None:
    """[appointments]: sane numbers, real dates, hours that parse and do not overlap."""
    ap = config.appointments
    for key in ("days_ahead", "early_minutes", "late_minutes", "max_run"):
        if getattr(ap, key) < 0:
            raise ConfigError(path, f"appointments.{key} must not be negative", _line_of_key(text, key))
    if ap.days_ahead < 1:
        raise ConfigError(path, "appointments.days_ahead must be at least 1 (today)", _line_of_key(text, "days_ahead"))
    seen: set[str] = set()
    for d in ap.days:
        line = _line_containing(text, d.date)
        try:
            dt.date.fromisoformat(d.date)
        except ValueError:
            raise ConfigError(path, f"appointments.days: {d.date!r} is not a date (YYYY-MM-DD)", line) from None
        if d.date in seen:
            raise ConfigError(path, f"appointments.days: {d.date} is listed twice", line)
        seen.add(d.date)
        try:
            _check_spans([h for h in d.hours if h])
        except ValueError as exc:
            raise ConfigError(path, f"appointments.days {d.date}: {exc}", line) from exc


def _check_clerks(config: HallConfig, path: Path, text: str) -> None:
    """Each ``[[clerks]]`` entry names one login id once, with a name.  A counter may still name
    a clerk who has no entry (the login id is shown), so those are not checked against this."""
    lines = _table_lines(text, "clerks")
    seen: dict[str, int] = {}
    for i, k in enumerate(config.clerks):
        line = lines[i] if i < len(lines) else _line_containing(text, f'"{k.id}"')
        if not k.id.strip():
            raise ConfigError(path, f"clerks entry {i + 1}: id is empty", line)
        if k.id in seen:
            raise ConfigError(path, f"clerk id {k.id!r} is used twice (also at entry {seen[k.id] + 1})", line)
        if not k.name.strip():
            raise ConfigError(path, f"clerk {k.id!r}: name is empty", line)
        seen[k.id] = i


# (section, key, lowest, highest, unit) for numeric settings a type alone cannot bound.
_PROGRAM_RANGES = (
    ("server", "queue_update_interval_ms", 20, 5000, " ms"),
    ("server", "issue_rate_per_minute", 0, 6000, " tickets a minute"),
    ("server", "issue_burst", 1, 1000, " tickets"),
    ("supervision", "pause_limit_minutes", 1, 480, " minutes"),
    ("supervision", "unstaffed_grace_minutes", 0, 120, " minutes"),
    ("supervision", "device_absent_minutes", 0, 1440, " minutes"),
    ("evaluation", "pad_window_seconds", 10, 3600, " seconds"),
    ("evaluation", "warning_minutes", 1, 1440, " minutes"),
    ("kiosk", "confirm_seconds", 2, 120, ""),
    ("kiosk", "print_timeout_seconds", 0.2, 30, ""),
    ("kiosk", "printer_check_seconds", 0, 600, " seconds"),
    ("kiosk", "unshown_cancel_minutes", 0, 240, " minutes"),
    ("display", "recent_calls", 1, 20, ""),  # the display shows up to 10 of them
    ("display", "flash_seconds", 0, 60, ""),
    ("announce", "repeats", 1, 3, ""),
    ("announce", "volume", 0, 1, ""),
    ("announce", "rate", 60, 400, " words per minute"),
    ("announce", "speech_timeout_seconds", 1, 60, ""),
)


def _check_programs(config: HallConfig, path: Path, text: str) -> None:
    """The numeric ranges above, and the kiosk, display and announcement settings a schema
    cannot check."""
    _check_printers(config, path, text)
    k = config.kiosk
    if k.staff_pin and not re.fullmatch(r"\d{4,12}", k.staff_pin):
        raise ConfigError(path, "kiosk.staff_pin must be 4 to 12 digits (or empty)", _line_of_key(text, "staff_pin"))
    for section, key, low, high, unit in _PROGRAM_RANGES:
        value = getattr(getattr(config, section), key)
        if not low <= value <= high:
            raise ConfigError(path, f"{section}.{key} must be {low} to {high}{unit}", _line_of_key(text, key))
    a = config.announce
    for lang in ("zh", "en"):
        phrase = a.phrase.get(lang)
        try:
            phrase.format(number="A001", counter=1)
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(
                path,
                f"announce.phrase.{lang} {phrase!r} may use only {{number}} and {{counter}} ({exc})",
                _line_of_key(text, "phrase") or _line_containing(text, "[announce]"),
            ) from exc
    if not config.counter_program.pause_reasons:
        raise ConfigError(
            path, "counter_program.pause_reasons must name at least one reason", _line_of_key(text, "pause_reasons")
        )


def _check_printers(config: HallConfig, path: Path, text: str) -> None:
    """Every kiosk printer spec must parse: checked here, in the loader, so that the server refuses
    a spec that ``check-config`` would refuse, rather than start a hall whose kiosks cannot print.
    Displays ignore their printer settings, so theirs are not read."""
    settings = [("kiosk.printer", config.kiosk.printer, _line_for_path(text, "$.kiosk", "printer"))]
    settings += [
        (f"devices.kiosks {d.name!r} printer", d.printer, _device_key_line(text, "kiosks", i, d, "printer"))
        for i, d in enumerate(config.devices.kiosks)
        if d.printer is not None
    ]
    for where, spec, line in settings:
        try:
            parse_spec(spec)
        except PrinterSpecError as exc:
            raise ConfigError(path, f"{where}: {exc}", line) from exc


def _device_key_line(text: str, kind: str, index: int, device: Device, key: str) -> int | None:
    """Line of a device's ``key``: in its own ``[[devices.<kind>]]`` table, or else the line of its
    inline table (found by its token, which is unique)."""
    headers = _table_lines(text, f"devices.{kind}")
    if index < len(headers):
        return _key_in_section(text.splitlines(), headers[index], key) or headers[index]
    return _line_containing(text, device.token)
