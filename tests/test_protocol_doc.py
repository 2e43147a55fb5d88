"""docs/protocol.md cannot drift from the typed definitions in hallcall.protocol.

The document is read as text: its field tables (sections 4 and 5) must name exactly the
Structs' fields, the request table (section 6) must give every request type the roles of
``ROLE_REQUESTS`` and its own section, the topics of 7.2 must be those of ``EVENTS`` with their
data shapes, and the error table (section 8) must list exactly the codes the server can send
(found in the server's source), each with the Chinese text of ``hallcall.i18n``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import msgspec
import pytest

from hallcall import config as c
from hallcall import i18n
from hallcall import protocol as p
from hallcall.server import dispatch

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
SERVER_SOURCES = [*sorted((ROOT / "server").rglob("*.py")), ROOT / "hallcall" / "protocol" / "requests.py"]


# ---------------------------------------------------------------------------- reading the document
def section(number: str) -> str:
    """The text of one section or subsection ("4.3", "8"), without its heading, up to the next
    heading of the same or a higher level."""
    level = "##" if "." not in number else "###"
    start = re.search(rf"^{level} {re.escape(number)}[. ].*$", DOC, re.M)
    assert start, f"protocol.md has no section {number}"
    rest = DOC[start.end() :]
    end = re.search(r"^#{2,3} " if level == "###" else r"^## ", rest, re.M)
    return rest[: end.start()] if end else rest


def subsection_of(kind: str) -> str:
    """The section 6 subsection whose heading names request type ``kind`` (4.1 for ``hello``)."""
    found = re.search(rf"^### ({'4' if kind == 'hello' else '6'}\.\d+) `{kind}`", DOC, re.M)
    assert found, f"protocol.md has no section for the request `{kind}`"
    return section(found.group(1))


def rows(text: str) -> list[list[str]]:
    """The rows of the first table in ``text`` (header and separator left out), as cells."""
    block: list[str] = []
    for line in text.splitlines():
        if line.startswith("|"):
            block.append(line)
        elif block:
            break
    assert len(block) >= 2, "no table"
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]] for line in block[2:]]


def names_in_first_column(text: str) -> set[str]:
    return {_ticked(row[0]) for row in rows(text)}


def _ticked(cell: str) -> str:
    found = re.fullmatch(r"`([^`]+)`", cell)
    assert found, f"expected a `name` in the first column, found {cell!r}"
    return found.group(1)


def braced(text: str) -> set[str]:
    """The top-level field names of an inline ``{a, b{zh,en}, c:[…]}`` or ``{"a","b"}`` list."""
    inner = text.strip()[1:-1]
    depth, names, word = 0, [], ""
    for ch in inner:
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        elif ch == "," and depth == 0:
            names.append(word)
            word = ""
            continue
        if depth == 0:
            word += ch
    names.append(word)
    return {re.match(r'\s*"?([a-z_]+)', n).group(1) for n in names if n.strip()}  # type: ignore[union-attr]


def fields(shape: type[msgspec.Struct]) -> set[str]:
    """The names on the wire (``Report.from_`` is ``from``)."""
    return set(shape.__struct_encode_fields__)


def row_for(text: str, name: str) -> list[str]:
    found = [row for row in rows(text) if row[0] == f"`{name}`"]
    assert found, f"no row for `{name}`"
    return found[0]


# ---------------------------------------------------------------------------- sections 2 and 4
def test_the_envelopes_of_section_2() -> None:
    envelopes = {_ticked(row[0]): row[2] for row in rows(section("2"))}
    assert set(envelopes) == {"welcome", "snapshot", "result", "error", "event"}
    assert set(re.findall(r"`([a-z_]+)`", envelopes["result"])) == fields(p.Result)
    assert set(re.findall(r"`([a-z_]+)`", envelopes["error"])) == fields(p.Error)
    assert set(re.findall(r"`([a-z_]+)`", envelopes["event"])) == fields(p.Event)
    error_fields = re.search(r"Error fields:\n\n((?:- .*\n(?:  .*\n)*)+)", section("2"))
    assert error_fields, "section 2 lists the error fields"
    assert set(re.findall(r"^- `([a-z_]+)`", error_fields.group(1), re.M)) == fields(p.Error)


def test_the_welcome_table_names_the_welcome_fields() -> None:
    assert names_in_first_column(section("4.2")) == fields(p.Welcome)


def test_the_snapshot_table_names_the_snapshot_fields() -> None:
    text = section("4.3")
    assert names_in_first_column(text) == fields(p.HallSnapshot) | {"type"}
    device = row_for(text, "device")[2]
    kiosk = re.search(r"Kiosk: `(\{[^`]*\})`", device)
    display = re.search(r"Display: `(\{[^`]*\})`", device)
    assert kiosk and display
    assert braced(kiosk.group(1)) == fields(p.DeviceSettings)
    assert braced(display.group(1)) == {"name", "zone"}  # the display's: the required ones only
    me = re.search(r"`(\{[^`]*\})`", row_for(text, "me")[2])
    assert me and braced(me.group(1)) == fields(p.Me)
    devices = re.search(r"`(\{[^`]*\})`", row_for(text, "devices")[2])
    assert devices and braced(devices.group(1)) == fields(p.DeviceReport)


# ---------------------------------------------------------------------------- section 5
@pytest.mark.parametrize(
    "number, shape",
    [
        ("5.1", p.TicketView),
        ("5.2", p.CallView),
        ("5.3", p.CounterView),
        ("5.4", p.ServiceSummary),
        ("5.5", p.JournalEntry),
        ("5.6", p.HallView),
        ("5.7", p.DeviceReport),
    ],
)
def test_each_shape_table_names_the_structs_fields(number: str, shape: type[msgspec.Struct]) -> None:
    assert names_in_first_column(section(number)) == fields(shape)


def test_a_journey_step_is_a_journal_entry_without_the_ticket() -> None:
    assert fields(p.JourneyStep) == (fields(p.JournalEntry) - {"number", "service"}) | {"after_s"}
    assert "without the `number` and `service` fields" in section("5.5")
    listed = re.search(r"each `(\{[^`]*\})`", subsection_of("ticket"))
    assert listed and braced(listed.group(1)) == fields(p.JourneyStep)


def test_the_halls_lists_and_sections_name_their_fields() -> None:
    text = section("5.6")
    for name, shape in (("services", p.ServiceInfo), ("counters", p.CounterInfo)):
        listed = re.search(r"list of `(\{[^`]*\})`", row_for(text, name)[1])
        assert listed, name
        assert braced(listed.group(1)) == fields(shape), name
    for name, config_shape in (("display", c.Display), ("announce", c.Announce), ("counter_program", c.CounterProgram)):
        described = row_for(text, name)[1].split("section:", 1)[1]
        listed = {n for n in re.findall(r"`([a-z_]+)`", described)}
        assert listed == fields(config_shape), name


def test_the_warning_kinds_and_their_fields() -> None:
    text = section("5.8")
    common = fields(p.Warning) | {"kind"}
    said = text.split("Every warning\nhas", 1)[1].split("\n\n", 1)[0]
    assert set(re.findall(r"`([a-z_]+)`", said)) >= common
    kinds = {_ticked(row[0]): row[2] for row in rows(text)}
    kinds_ = (p.WaitWarning, p.PauseWarning, p.UnstaffedWarning, p.DissatisfiedWarning, p.DeviceAbsentWarning)
    shapes = {cls.__struct_config__.tag: cls for cls in kinds_}
    assert set(kinds) == set(shapes)
    for kind, cell in kinds.items():
        own = fields(shapes[kind]) - fields(p.Warning)
        assert set(re.findall(r"`([a-z_]+)`", cell)) == own, kind


# ---------------------------------------------------------------------------- section 6
def role_table() -> dict[str, list[str]]:
    return {_ticked(row[0]): row[1:] for row in rows(section("6"))}


def test_the_request_table_gives_every_type_its_roles_and_whether_it_changes_the_queue() -> None:
    table = role_table()
    assert set(table) == set(p.REQUEST_TYPES) - {"hello"}  # hello: section 4.1
    roles = ("kiosk", "display", "counter", "supervisor")
    for kind, marks in table.items():
        allowed = {role for role, mark in zip(roles, marks, strict=False) if mark == "✓"}
        assert allowed == {r for r in roles if kind in p.ROLE_REQUESTS[r]}, kind
        assert (marks[4] == "✓") == (kind in p.MUTATING), kind
        assert (marks[5] == "✓") == (kind in p.ROLE_REQUESTS["pad"]), kind
    said = re.search(r"A `visitor` \(4\.1\) may send only ([^;]*);", section("6"))
    assert said and set(re.findall(r"`([a-z_]+)`", said.group(1))) == p.ROLE_REQUESTS["visitor"]


@pytest.mark.parametrize("kind", sorted(p.REQUEST_TYPES))
def test_every_request_type_has_its_rule_handler_answer_and_section(kind: str) -> None:
    request = p.REQUEST_TYPES[kind]
    assert kind == "hello" or any(kind in allowed for allowed in p.ROLE_REQUESTS.values()), "a role may send it"
    assert kind in dispatch.HANDLERS or kind in dispatch.ASYNC_HANDLERS or kind in dispatch.ANSWERED_BY_FRONT, (
        "the server handles it"
    )
    assert kind in p.ANSWERS, "it has an answer shape"
    text = subsection_of(kind)
    own = fields(request) - {"id"}
    if own:
        assert names_in_first_column(text) - {"type", "id"} == own, "its field table names its fields"
    else:
        assert "No fields." in text
    answer = p.ANSWERS[kind]
    if kind == "hello":
        assert "answered by `welcome`" in text
    elif answer is p.Empty:
        assert re.search(r"[Rr]esult `?\{\}`|[Rr]esult: `\{\}`|the result `\{\}`", text), "its answer `{}`"
    else:
        for field in msgspec.structs.fields(answer):  # the optional ones are described in words
            assert not field.required or f'"{field.encode_name}"' in text, f"its answer's `{field.encode_name}`"


def test_every_error_code_has_both_texts() -> None:
    for code in p.ERROR_CODES:
        assert i18n.ERRORS[code]["zh"] and i18n.ERRORS[code]["en"], code
    assert set(i18n.ERRORS) == p.ERROR_CODES


# ---------------------------------------------------------------------------- section 7
def test_the_topics_of_7_2_are_the_events_with_their_data_shapes() -> None:
    links = {
        "#52-call": p.CallView,
        "#53-counter-view": p.CounterView,
        "#55-journal-entry": p.JournalEntry,
        "#57-device-status": p.DeviceReport,
        "#58-warning": p.AnyWarning,
    }
    table = {_ticked(row[0]): row[2] for row in rows(section("7.2"))}
    assert set(table) == set(p.EVENTS)
    for topic, data in table.items():
        shape = p.EVENTS[topic]
        link = re.search(r"\]\((#[^)]+)\)", data)
        if link:
            assert links[link.group(1)] == shape, topic
        else:
            listed = re.search(r"`(\{[^`]*\})`", data)
            assert listed and braced(listed.group(1)) == fields(shape), topic


# ---------------------------------------------------------------------------- section 8
def codes_in_server_sources() -> set[str]:
    """Every code the server's sources make an error with: the first argument of a
    ``QueueError``, ``ProtocolError`` or ``error`` call (every literal in it, so a conditional
    counts both ways)."""
    found: set[str] = set()
    for path in SERVER_SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in ("QueueError", "ProtocolError", "error"):
                found |= {
                    n.value for n in ast.walk(node.args[0]) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                }
    return found


def test_the_registry_is_the_set_of_codes_the_server_makes() -> None:
    assert codes_in_server_sources() == set(p.SERVER_CODES)
    assert not set(p.SERVER_CODES) & set(p.CLIENT_CODES)


def test_the_error_table_lists_the_servers_codes_with_their_chinese_text() -> None:
    table = rows(section("8"))
    assert [_ticked(row[0]) for row in table] == list(p.SERVER_CODES)
    for row in table:
        code = _ticked(row[0])
        assert row[-1] == i18n.ERRORS[code]["zh"], code


def test_an_unregistered_code_is_refused() -> None:
    with pytest.raises(ValueError, match="unregistered"):
        p.ProtocolError("no_such_code", "made up")
    from hallcall.server.views import error

    with pytest.raises(ValueError, match="unregistered"):
        error("no_such_code", "made up")
    assert error("queue_empty", "nobody waits", "r-1", counter=4).message_zh == i18n.ERRORS["queue_empty"]["zh"]
