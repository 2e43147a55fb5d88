"""hallcall.config.load and ``hallcall check-config``: good halls load, broken ones are refused
with a ConfigError naming the file, the line and the problem."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hallcall.config import ConfigError, load, parse_hours

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TEST_HALL = HERE / "halls" / "test-hall.toml"
DEMO_HALL = ROOT / "assets" / "demo-hall.toml"
BASE = TEST_HALL.read_text(encoding="utf-8")


def line_of(text: str, fragment: str, nth: int = 0) -> int:
    """1-based number of the ``nth`` line (0 = first) of ``text`` containing ``fragment``."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if fragment in line]
    assert len(hits) > nth, f"{fragment!r} not in the config text"
    return hits[nth]


def edited(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, f"{old!r} must occur exactly once in the test hall"
    return text.replace(old, new)


def write(tmp_path: Path, text: str, name: str = "hall.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(path)
    return info.value


# ---------------------------------------------------------------------------- good files


def test_test_hall_loads_with_its_values() -> None:
    config = load(TEST_HALL)
    assert config.hall.name.en == "Test Hall"
    assert config.hall.name.get("zh") == "测试大厅"
    assert config.hall.rollover_hour == 3
    assert [s.id for s in config.services] == ["social", "tax", "consult"]
    assert [s.prefix for s in config.services] == ["A", "B", "C"]
    assert [c.number for c in config.counters] == [1, 2, 3, 4]
    tax = config.service("tax")
    assert tax is not None and tax.daily_cap == 5 and tax.target_wait_minutes == 20
    consult = config.service("consult")
    assert consult is not None and consult.priority_allowed is False
    # defaults fill what the file leaves out
    assert consult.target_wait_minutes == 30 and consult.daily_cap == 0
    assert config.service("nope") is None
    four = config.counter(4)
    assert four is not None and four.clerks == ["ann"] and four.backups == ["bob"] and four.staffed
    assert config.counter(99) is None
    # counter 1 names no services: a comprehensive window serves them all, in config order
    one = config.counter(1)
    assert one is not None and config.counter_services(one) == ["social", "tax", "consult"]
    two = config.counter(2)
    assert two is not None and config.counter_services(two) == ["tax", "social"] and two.policy == "in_order"
    assert config.queue.max_recalls == 2 and config.queue.putback_places == 2
    assert config.queue.priority_streak_limit == 2
    assert config.queue.handle_time_window == 20  # default
    assert [d.name for d in config.devices.displays] == ["display-1", "display-2"]
    assert str(config.tz) == "Asia/Shanghai"


def test_demo_hall_loads() -> None:
    config = load(DEMO_HALL)
    assert config.hall.name.zh == "青岚区政务服务中心"
    assert config.services and config.counters
    prefixes = [s.prefix for s in config.services]
    assert len(prefixes) == len(set(prefixes))
    numbers = [c.number for c in config.counters]
    assert len(numbers) == len(set(numbers))
    for c in config.counters:
        assert all(config.service(s) is not None for s in config.counter_services(c))
    social = config.service("social")
    assert social is not None and social.prefix == "S" and social.materials.zh and social.materials.en
    assert len(social.materials.zh) == len(social.materials.en)


def test_string_path_is_accepted() -> None:
    assert load(str(TEST_HALL)).hall.timezone == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("span", "minutes"),
    [("08:30-12:00", (510, 720)), ("00:00-24:00", (0, 1440)), (" 9:05-9:06 ", (545, 546))],
)
def test_parse_hours_good(span: str, minutes: tuple[int, int]) -> None:
    assert parse_hours(span) == minutes


@pytest.mark.parametrize(
    ("span", "problem"),
    [
        ("25:00-26:00", "does not exist"),
        ("08:60-09:00", "does not exist"),
        ("08:00-24:30", "does not exist"),
        ("12:00-08:00", "end before they start"),
        ("08:00-08:00", "end before they start"),
        ("8-12", "HH:MM-HH:MM"),
    ],
)
def test_parse_hours_bad(span: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_hours(span)


# ---------------------------------------------------------------------------- broken files


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    err = refused(path)
    assert err.path == str(path)
    assert str(path) in str(err) and "cannot read" in err.problem


def test_non_utf8_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(BASE.encode("utf-8").replace("测试大厅".encode(), "caf\xe9".encode("latin-1")))
    err = refused(path)
    assert "UTF-8" in err.problem


def test_toml_syntax_error(tmp_path: Path) -> None:
    text = edited("rollover_hour = 3", "rollover_hour = = 3")
    path = write(tmp_path, text)
    err = refused(path)
    line = line_of(text, "rollover_hour = = 3")
    assert err.line == line
    assert str(err).startswith(f"{path}:{line}: ")
    assert "TOML syntax error" in err.problem


def test_counter_naming_unknown_service(tmp_path: Path) -> None:
    text = edited('services = ["consult"]', 'services = ["consulting"]')
    path = write(tmp_path, text)
    err = refused(path)
    assert err.line == line_of(text, "[[counters]]", nth=2)  # the third counter's entry
    assert str(err).startswith(f"{path}:{err.line}: ")
    assert "counter 3" in err.problem and "unknown service 'consulting'" in err.problem


def test_counter_naming_a_service_twice(tmp_path: Path) -> None:
    text = edited('services = ["tax", "social"]', 'services = ["tax", "social", "tax"]')
    err = refused(write(tmp_path, text))
    assert err.line == line_of(text, "[[counters]]", nth=1)
    assert "counter 2" in err.problem and "twice" in err.problem


def test_duplicate_prefix(tmp_path: Path) -> None:
    text = edited('prefix = "B"', 'prefix = "A"')
    path = write(tmp_path, text)
    err = refused(path)
    assert err.line == line_of(text, "[[services]]", nth=1)  # the second service is the duplicate
    assert str(err).startswith(f"{path}:{err.line}: ")
    assert "prefix 'A'" in err.problem and "'social'" in err.problem and "'tax'" in err.problem


def test_duplicate_service_id(tmp_path: Path) -> None:
    text = edited('id = "consult"', 'id = "tax"')
    err = refused(write(tmp_path, text))
    assert err.line == line_of(text, "[[services]]", nth=2)
    assert "'tax'" in err.problem and "twice" in err.problem


def test_bad_prefix(tmp_path: Path) -> None:
    text = edited('prefix = "C"', 'prefix = "c1"')
    err = refused(write(tmp_path, text))
    assert err.line == line_of(text, "[[services]]", nth=2)
    assert "'c1'" in err.problem and "capital" in err.problem


def test_duplicate_counter_number(tmp_path: Path) -> None:
    text = edited("number = 3\n", "number = 2\n")
    path = write(tmp_path, text)
    err = refused(path)
    assert err.line == line_of(text, "[[counters]]", nth=2)
    assert str(err).startswith(f"{path}:{err.line}: ")
    assert "counter number 2" in err.problem and "twice" in err.problem


def test_counter_number_zero(tmp_path: Path) -> None:
    text = edited("number = 1\n", "number = 0\n")
    err = refused(write(tmp_path, text))
    assert err.line == line_of(text, "[[counters]]", nth=0)
    assert "counter number 0" in err.problem


def test_opening_hour_that_does_not_exist(tmp_path: Path) -> None:
    text = edited('opening_hours = ["00:00-24:00"]', 'opening_hours = ["25:00-26:00"]')
    path = write(tmp_path, text)
    err = refused(path)
    assert err.line == line_of(text, "opening_hours")
    assert str(err).startswith(f"{path}:{err.line}: ")
    assert "opening_hours" in err.problem and "25:00-26:00" in err.problem


def test_issuing_hours_that_end_before_they_start(tmp_path: Path) -> None:
    text = edited("daily_cap = 5\n", 'daily_cap = 5\nissuing_hours = ["09:00-08:00"]\n')
    err = refused(write(tmp_path, text))
    assert err.line == line_of(text, "[[services]]", nth=1)
    assert "'tax'" in err.problem and "09:00-08:00" in err.problem and "end before" in err.problem


def test_rollover_hour_24(tmp_path: Path) -> None:
    text = edited("rollover_hour = 3", "rollover_hour = 24")
    path = write(tmp_path, text)
    err = refused(path)
    assert err.line == line_of(text, "rollover_hour = 24")
    assert str(err).startswith(f"{path}:{err.line}: ")
    assert "rollover_hour 24" in err.problem


def test_unknown_time_zone(tmp_path: Path) -> None:
    text = edited('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"')
    err = refused(write(tmp_path, text))
    assert err.line == line_of(text, "timezone")
    assert "Mars/Olympus" in err.problem


def test_bad_open_day(tmp_path: Path) -> None:
    text = edited('"sat", "sun"]', '"sat", "sunday"]')
    err = refused(write(tmp_path, text))
    assert err.line == line_of(text, "open_days")
    assert "'sunday'" in err.problem


def test_wrong_type_of_counter_field(tmp_path: Path) -> None:
    text = edited("number = 1\n", 'number = "one"\n')
    path = write(tmp_path, text)
    err = refused(path)
    assert err.line == line_of(text, 'number = "one"')
    assert str(err).startswith(f"{path}:{err.line}: ")
    assert "Expected `int`, got `str`" in err.problem
    assert "counters entry 1, number" in err.problem


def test_wrong_type_of_hall_field(tmp_path: Path) -> None:
    text = edited("rollover_hour = 3", 'rollover_hour = "3"')
    err = refused(write(tmp_path, text))
    assert err.line == line_of(text, "rollover_hour")
    assert "hall.rollover_hour" in err.problem and "Expected `int`" in err.problem


def test_wrong_policy_value(tmp_path: Path) -> None:
    text = edited('policy = "in_order"', 'policy = "fastest"')
    err = refused(write(tmp_path, text))
    assert err.line == line_of(text, 'policy = "fastest"')
    assert "counters entry 2, policy" in err.problem  # entries counted from 1


def test_missing_required_field(tmp_path: Path) -> None:
    text = edited('prefix = "B"\n', "")
    err = refused(write(tmp_path, text))
    assert err.line == line_of(text, "[[services]]", nth=1)
    assert "prefix" in err.problem and "services entry 2" in err.problem


def test_unknown_key_in_a_counter(tmp_path: Path) -> None:
    text = edited("number = 3\n", 'number = 3\ncolour = "red"\n')
    path = write(tmp_path, text)
    err = refused(path)
    # the entry's header or the key's own line both lead the technician to the mistake
    assert err.line in (line_of(text, "[[counters]]", nth=2), line_of(text, "colour"))
    assert str(err).startswith(f"{path}:{err.line}: ")
    assert "unknown field `colour`" in err.problem and "counters entry 3" in err.problem


def test_unknown_key_in_hall_table_names_its_line(tmp_path: Path) -> None:
    text = edited("rollover_hour = 3\n", "rollover_hour = 3\nroll_over = 4\n")
    path = write(tmp_path, text)
    err = refused(path)
    assert "unknown field `roll_over`" in err.problem
    assert err.line == line_of(text, "roll_over"), f"no line in {err}"
    assert str(err).startswith(f"{path}:{err.line}: ")


def test_unknown_key_in_queue_table_names_its_line(tmp_path: Path) -> None:
    text = edited("max_recalls = 2", "max_recall = 2")
    err = refused(write(tmp_path, text))
    assert "unknown field `max_recall`" in err.problem
    assert err.line == line_of(text, "max_recall = 2"), f"no line in {err}"


def test_unknown_top_level_table_names_its_line(tmp_path: Path) -> None:
    text = BASE + "\n[extras]\nx = 1\n"
    err = refused(write(tmp_path, text))
    assert "unknown field `extras`" in err.problem
    assert err.line == line_of(text, "[extras]"), f"no line in {err}"


def test_config_error_message_without_line() -> None:
    err = ConfigError("some/hall.toml", "the hall has no [[services]]")
    assert str(err) == "some/hall.toml: the hall has no [[services]]"
    err = ConfigError(Path("hall.toml"), "bad", line=12)
    assert (str(err), err.path, err.line, err.problem) == ("hall.toml:12: bad", "hall.toml", 12, "bad")


# ---------------------------------------------------------------------------- printer specs

KIOSK_1 = '{ name = "kiosk-1", token = "kiosk-token-1", zone = "1F" }'


def test_a_printer_spec_in_the_kiosk_section_is_read_when_the_config_loads(tmp_path: Path) -> None:
    """The loader, not only ``check-config``, refuses a spec no kiosk could read: so does the server."""
    text = BASE + '\n[kiosk]\nprinter = "serial:/dev/ttyUSB0:9601"\n'
    path = write(tmp_path, text)
    err = refused(path)
    assert err.line == line_of(text, "printer = ")
    assert str(err).startswith(f"{path}:{err.line}: kiosk.printer: printer spec 'serial:/dev/ttyUSB0:9601': ")
    assert "baud rate '9601' is not one of" in err.problem


def test_a_kiosks_own_printer_spec_names_the_kiosk_and_its_line(tmp_path: Path) -> None:
    text = edited(KIOSK_1, KIOSK_1[:-2] + ', printer = "serail:/dev/ttyUSB0" }')
    err = refused(write(tmp_path, text))
    assert err.line == line_of(text, "serail")
    assert err.problem.startswith("devices.kiosks 'kiosk-1' printer: printer spec 'serail:/dev/ttyUSB0': must start")


def test_a_printer_spec_in_a_kiosk_table_names_its_own_line(tmp_path: Path) -> None:
    demo = DEMO_HALL.read_text(encoding="utf-8")
    text = edited('name = "kiosk-2"\n', 'name = "kiosk-2"\nprinter = "usb:epson"\n', demo)
    err = refused(write(tmp_path, text))
    assert err.line == line_of(text, 'printer = "usb:epson"')
    assert "devices.kiosks 'kiosk-2' printer: printer spec 'usb:epson': expected usb:VENDOR:PRODUCT" in err.problem


@pytest.mark.parametrize("spec", ["", "none", "network:[fe80::1]:9100", "usb:04b8:0202", "virtual:/tmp/tickets"])
def test_printer_specs_a_kiosk_can_read_load(tmp_path: Path, spec: str) -> None:
    text = edited(KIOSK_1, KIOSK_1[:-2] + f', printer = "{spec}" }}') + f'\n[kiosk]\nprinter = "{spec}"\n'
    config = load(write(tmp_path, text))
    assert config.kiosk.printer == spec and config.devices.kiosks[0].printer == spec


# ---------------------------------------------------------------------------- the CLI


def run_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hallcall.launch.cli", "check-config", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
    )


def test_cli_check_config_good_file() -> None:
    result = run_check(TEST_HALL)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout
    assert str(TEST_HALL) in result.stdout
    assert "3 services" in result.stdout and "4 counters" in result.stdout and "1 comprehensive" in result.stdout


def test_cli_check_config_broken_file(tmp_path: Path) -> None:
    text = edited("number = 1\n", 'number = "one"\n')
    path = write(tmp_path, text)
    result = run_check(path)
    assert result.returncode != 0
    assert "OK" not in result.stdout
    line = line_of(text, 'number = "one"')
    assert f"{path}:{line}" in result.stderr
    assert "Expected `int`, got `str`" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_check_config_duplicate_prefix(tmp_path: Path) -> None:
    text = edited('prefix = "B"', 'prefix = "A"')
    path = write(tmp_path, text)
    result = run_check(path)
    assert result.returncode != 0
    assert f"{path}:{line_of(text, '[[services]]', nth=1)}" in result.stderr
    assert "prefix 'A' is already used" in result.stderr


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ('[kiosk]\nstaff_pin = "12ab"', "kiosk.staff_pin must be 4 to 12 digits"),
        ("[kiosk]\npaper_mm = 70", "paper_mm"),
        ('[kiosk]\nencoding = "big5"', "encoding"),
        ("[kiosk]\nconfirm_seconds = 0", "kiosk.confirm_seconds must be 2 to 120"),
        ("[display]\nrecent_calls = 50", "display.recent_calls must be 1 to 20"),
        ("[announce]\nrepeats = 5", "announce.repeats must be 1 to 3"),
        ("[announce]\nvolume = 2.0", "announce.volume must be 0 to 1"),
        ('[announce]\nphrase = { zh = "请{ticket}号", en = "Ticket {number}" }', "may use only {number} and {counter}"),
        ("[counter_program]\npause_reasons = []", "pause_reasons must name at least one reason"),
    ],
)
def test_program_sections_are_checked(tmp_path: Path, section: str, problem: str) -> None:
    error = refused(write(tmp_path, BASE + "\n" + section + "\n"))
    assert problem in error.problem
    assert error.line == line_of(BASE + "\n" + section + "\n", section.split("\n")[1].split("=")[0].strip() + " =")


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("queue_update_interval_ms = 50", "queue_update_interval_ms = 0", "server.queue_update_interval_ms must be 20"),
        ("pause_limit_minutes = 20", "pause_limit_minutes = 0", "supervision.pause_limit_minutes must be 1 to 480"),
        ("unstaffed_grace_minutes = 5", "unstaffed_grace_minutes = -1", "unstaffed_grace_minutes must be 0 to 120"),
    ],
)
def test_timer_settings_are_bounded(tmp_path: Path, old: str, new: str, problem: str) -> None:
    """A zero update interval would be a busy timer; a zero pause limit warns of every pause."""
    assert BASE.count(old) == 1
    text = BASE.replace(old, new)
    error = refused(write(tmp_path, text))
    assert problem in error.problem
    assert error.line == line_of(text, new)


def test_program_sections_have_defaults_a_hall_can_use() -> None:
    config = load(TEST_HALL)
    assert config.kiosk.encoding == "gb18030" and config.kiosk.paper_mm == 80
    assert config.announce.phrase.zh.format(number="A001", counter=3) == "请A001号到3号窗口办理"
    assert [r.en for r in config.counter_program.pause_reasons][:3] == ["Break", "Meeting", "Back office"]


# ------------------------------------------------------- check-config: what a newcomer trips on


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('opening_hours = ["00:00-24:00"]', 'opening_hours = ["08:30-12:00", "11:30-17:00"]', "hall.opening_hours"),
        ("daily_cap = 5\n", 'daily_cap = 5\nissuing_hours = ["09:00-11:00", "10:30-12:00"]\n',
         "service 'tax': issuing_hours"),
    ],
)  # fmt: skip
def test_overlapping_hours_are_refused(tmp_path: Path, old: str, new: str, problem: str) -> None:
    text = edited(old, new)
    err = refused(write(tmp_path, text))
    assert problem in err.problem and "overlap" in err.problem
    assert "'08:30-12:00' and '11:30-17:00'" in err.problem or "'09:00-11:00' and '10:30-12:00'" in err.problem
    assert err.line in (line_of(text, "opening_hours"), line_of(text, "[[services]]", nth=1))


def test_hours_that_touch_do_not_overlap(tmp_path: Path) -> None:
    text = edited('opening_hours = ["00:00-24:00"]', 'opening_hours = ["13:30-17:30", "08:30-12:00", "12:00-13:00"]')
    assert load(write(tmp_path, text)).hall.opening_hours[0] == "13:30-17:30"


def test_a_bad_printer_setting_in_a_kiosk_table_names_its_line(tmp_path: Path) -> None:
    """[[devices.kiosks]] tables with no [devices] header of their own (as the demo hall writes
    them): a paper width or encoding no printer has is found on its line, counted from 1."""
    text = DEMO_HALL.read_text(encoding="utf-8")
    old = 'token = "demo-kiosk-2-b84e0d56a1f9"\n'
    assert text.count(old) == 1
    for key, value in (("paper_mm", "70"), ("encoding", '"latin1"'), ("qr", '"maybe"')):
        broken = text.replace(old, f"{old}{key} = {value}\n")
        err = refused(write(tmp_path, broken))
        assert err.line == line_of(broken, f"{key} = {value}"), str(err)
        assert f"devices.kiosks entry 2, {key}" in err.problem


@pytest.mark.parametrize(
    ("old", "new", "hint"),
    [
        ("rollover_hour = 3\n", "rolover_hour = 3\n", "(did you mean `rollover_hour`?)"),
        ("default_handle_minutes = 10\n", "default_handle_minute = 10\n", "(did you mean `default_handle_minutes`?)"),
        ("max_recalls = 2", "max_recall = 2", "(did you mean `max_recalls`?)"),
    ],
)
def test_a_misspelt_key_gets_a_suggestion(tmp_path: Path, old: str, new: str, hint: str) -> None:
    text = edited(old, new)
    err = refused(write(tmp_path, text))
    assert err.problem.endswith(hint), err.problem
    assert err.line == line_of(text, new.strip())


def test_a_key_nothing_resembles_gets_no_suggestion(tmp_path: Path) -> None:
    err = refused(write(tmp_path, edited("rollover_hour = 3\n", "rollover_hour = 3\nzzz = 1\n")))
    assert "unknown field `zzz`" in err.problem and "did you mean" not in err.problem
