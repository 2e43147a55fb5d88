"""Printer specs as a hall technician writes them, the errors for the ones that cannot work,
and the ``ticket-preview`` verb that prints a sample ticket on the virtual printer."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from hallcall.kiosk import preview
from hallcall.kiosk.virtual_printer import decode
from hallcall.printer_spec import PrinterSpec, PrinterSpecError, parse_spec


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("", PrinterSpec("none")),
        ("none", PrinterSpec("none")),
        ("serial:/dev/ttyUSB0", PrinterSpec("serial", path="/dev/ttyUSB0", baud=9600)),
        ("serial:/dev/ttyUSB0:9600", PrinterSpec("serial", path="/dev/ttyUSB0", baud=9600)),
        ("serial:COM3:115200", PrinterSpec("serial", path="COM3", baud=115200)),
        ("serial:/dev/ttyS0:19200:rtscts", PrinterSpec("serial", path="/dev/ttyS0", baud=19200, flow="rtscts")),
        ("network:192.168.1.50", PrinterSpec("network", host="192.168.1.50", port=9100)),
        ("network:192.168.1.50:9101", PrinterSpec("network", host="192.168.1.50", port=9101)),
        ("network:printer-1f.hall.local", PrinterSpec("network", host="printer-1f.hall.local", port=9100)),
        ("network:[fe80::1]:9100", PrinterSpec("network", host="fe80::1", port=9100)),
        ("usb:04b8:0202", PrinterSpec("usb", vendor=0x04B8, product=0x0202)),
        ("file:/dev/usb/lp0", PrinterSpec("file", path="/dev/usb/lp0")),
        ("virtual:/tmp/tickets", PrinterSpec("virtual", path="/tmp/tickets")),
        ("  network:10.0.0.9 ", PrinterSpec("network", host="10.0.0.9", port=9100)),
    ],
)
def test_good_specs(text, spec):
    assert parse_spec(text) == spec
    if spec.kind != "none":
        assert parse_spec(str(spec)) == spec  # str() writes a spec that parses back the same


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("lpt1", "must start with one of serial:"),
        ("bluetooth:aa:bb", "must start with one of"),
        ("serial:", "nothing after 'serial:'"),
        ("serial:/dev/ttyUSB0:9601", "baud rate '9601'"),
        ("serial:/dev/ttyUSB0:fast", "baud rate 'fast'"),
        ("serial:/dev/ttyUSB0:9600:hardware", "flow control 'hardware'"),
        ("serial::9600", "serial port is empty"),
        ("network:192.168.1.50:99999", "TCP port '99999'"),
        ("network:192.168.1.50:", "TCP port ''"),
        ("network:fe80::1", "IPv6 address in brackets"),
        ("network:bad host", "'bad host' is not a host name"),
        ("usb:epson", "usb:VENDOR:PRODUCT"),
        ("usb:04b8:02g2", "usb:VENDOR:PRODUCT"),
    ],
)
def test_bad_specs_name_the_spec_and_the_problem(text, words):
    with pytest.raises(PrinterSpecError) as caught:
        parse_spec(text)
    message = str(caught.value)
    assert repr(text) in message
    assert words in message


def run_preview(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    preview.add_arguments(parser)
    return preview.run(parser.parse_args(list(argv)))


def test_preview_writes_a_sample_ticket(tmp_path, capsys):
    assert run_preview("--service", "GA", "--lang", "zh", "--paper", "58", "--out", str(tmp_path)) == 0
    out = capsys.readouterr().out
    bins = list(tmp_path.glob("*.bin"))
    assert len(bins) == 1 and bins[0].name == "GA004-zh-58mm-gb18030.bin"
    job = bins[0].read_bytes()
    assert f"{len(job)} bytes" in out
    for suffix in (".bin", ".txt", ".png"):
        assert str(bins[0].with_suffix(suffix)) in out
        assert bins[0].with_suffix(suffix).is_file()
    decoded = decode(job)
    assert "GA004" in decoded.text and "公安户籍/出入境" in decoded.text and "前面还有 3 人" in decoded.text
    assert decoded.qr_payloads[0].endswith("/GA004")


def test_preview_in_english_image_mode(tmp_path, capsys):
    args = ("--service", "business", "--lang", "en", "--encoding", "image", "--qr", "image", "--green")
    assert run_preview(*args, "--out", str(tmp_path)) == 0
    decoded = decode(next(tmp_path.glob("*.bin")).read_bytes())
    assert "Business Registration" in decoded.text and "Green channel" in decoded.text
    assert decoded.qr_payloads == []
    qr_image = decoded.images[0].image  # the QR code, sent as an image
    assert qr_image.height > 100 and 0 <= qr_image.width - qr_image.height < 8  # square, padded to whole bytes
    # The footer's "·" is not ASCII, so in image mode that line is drawn too: never a "?".
    assert "?" not in decoded.text


def test_preview_unknown_service_lists_the_halls_services(tmp_path, capsys):
    assert run_preview("--service", "passport", "--out", str(tmp_path)) == 2
    out = capsys.readouterr().out
    assert "no service 'passport'" in out and "social (S)" in out
    assert not list(tmp_path.iterdir())


def test_preview_broken_config(tmp_path, capsys):
    broken = tmp_path / "hall.toml"
    broken.write_text("[hall\n", encoding="utf-8")
    assert run_preview("--config", str(broken), "--out", str(tmp_path / "out")) == 2
    assert str(broken) in capsys.readouterr().out
    assert not Path(tmp_path / "out").exists()


@pytest.mark.parametrize("ahead", ["-3", "999", "many"])
def test_preview_refuses_a_count_of_people_that_cannot_be_a_ticket(tmp_path, capsys, ahead):
    # "-3" would print ticket "R-02"; 999 ahead would be ticket 1000, which no hall issues.
    with pytest.raises(SystemExit):
        run_preview("--ahead", ahead, "--out", str(tmp_path))
    assert f"{ahead!r} is not a number of people from 0 to 998" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
