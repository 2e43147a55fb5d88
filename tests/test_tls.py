"""Encrypted links: certificates made by ``hallcall admin make-cert``, a real ``hallcall server
--tls-cert --tls-key`` serving wss:// and https:// on one port, and real clients of it — the
shared websocket client, an HTTPS client, the counter program and a kiosk (offscreen Qt), and
Chromium loading the console.  Also the warning a server gives when it serves the LAN in the clear.
"""

from __future__ import annotations

import datetime as dt
import json
import ssl
import stat
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import browser_fixture, signed_in  # noqa: F401  (browser_fixture is the `browser` fixture)
from conftest import KIOSK, PASSWORD, SUPERVISOR, TEST_HALL, collect, seed_clerks, wait_for
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from playwright.sync_api import Browser

from hallcall.client import CertificateProblem, HallClient, use_hall_ca
from hallcall.launch.cli import build_parser, main
from hallcall.server import tls
from hallcall.server.app import database_path
from hallcall.server.child import ServerChild, start_server
from hallcall.server.storage import Storage

FAST = {"min_backoff": 0.05, "max_backoff": 0.3}


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A hall CA and a server certificate for localhost and 127.0.0.1, made by the CLI."""
    folder = tmp_path_factory.mktemp("tls") / "certs"
    assert main(["admin", "make-cert", "--names", "localhost,127.0.0.1", "--out", str(folder)]) == 0
    return folder


def _server(data: Path, *options: str, host: str = "127.0.0.1") -> ServerChild:
    storage = Storage(database_path(TEST_HALL, data), owner=False)
    seed_clerks(storage)
    storage.close()
    return start_server(TEST_HALL, data, host=host, options=("--ignore-hours", *options), wait_seconds=30)


def _tls_options(certs: Path) -> tuple[str, ...]:
    return ("--tls-cert", str(certs / tls.SERVER_CERT), "--tls-key", str(certs / tls.SERVER_KEY))


@pytest.fixture(scope="module")
def hall(certs: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerChild]:
    """``hallcall server --tls-cert --tls-key`` on a loopback port, for the whole module."""
    child = _server(tmp_path_factory.mktemp("tls-hall"), *_tls_options(certs))
    yield child
    child.stop()


def _https(url: str, ca: Path | None) -> tuple[int, str, str]:
    context = ssl.create_default_context(cafile=str(ca) if ca else None)
    with urllib.request.urlopen(url, context=context, timeout=10) as answer:
        return answer.status, answer.headers.get("Content-Type", ""), answer.read().decode()


# ------------------------------------------------------------------ the certificates
def test_make_cert_writes_a_ca_and_a_server_certificate_for_the_names(certs: Path) -> None:
    for name in (tls.CA_KEY, tls.SERVER_KEY):
        assert stat.S_IMODE((certs / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(certs.stat().st_mode) == 0o700
    cert = x509.load_pem_x509_certificate((certs / tls.SERVER_CERT).read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(a) for a in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.SERVER_AUTH]
    life = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert dt.timedelta(days=824) < life < dt.timedelta(days=826)
    ca = x509.load_pem_x509_certificate((certs / tls.CA_CERT).read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert.issuer == ca.subject
    cert.verify_directly_issued_by(ca)


def test_a_second_run_keeps_the_ca_and_renews_the_server_certificate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "certs"
    main(["admin", "make-cert", "--names", "hall.local,192.168.1.10", "--out", str(out)])
    assert "made a new hall CA" in capsys.readouterr().out
    ca_before, cert_before = (out / tls.CA_CERT).read_bytes(), (out / tls.SERVER_CERT).read_bytes()
    main(["admin", "make-cert", "--names", "hall.local,192.168.1.11,fe80::1", "--out", str(out)])
    said = capsys.readouterr().out
    assert "re-used the hall CA" in said and "192.168.1.11" in said
    assert (out / tls.CA_CERT).read_bytes() == ca_before
    assert (out / tls.SERVER_CERT).read_bytes() != cert_before
    ca = x509.load_pem_x509_certificate(ca_before)
    renewed = x509.load_pem_x509_certificate((out / tls.SERVER_CERT).read_bytes())
    renewed.verify_directly_issued_by(ca)
    addresses = renewed.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(a) for a in addresses.get_values_for_type(x509.IPAddress)] == ["192.168.1.11", "fe80::1"]


@pytest.mark.parametrize(
    ("names", "said"),
    [
        ("hall.local,,10.0.0.1", "empty name"),
        ("hall_local", "'hall_local' is neither an IP address nor a host name"),
        ("-hall.local", "'-hall.local' is neither"),
        ("hall.local,HALL.local", "names one host twice"),
    ],
)
def test_make_cert_refuses_a_name_it_cannot_certify(tmp_path: Path, names: str, said: str) -> None:
    with pytest.raises(SystemExit) as ended:
        main(["admin", "make-cert", f"--names={names}", "--out", str(tmp_path / "certs")])
    assert said in str(ended.value)
    assert not (tmp_path / "certs" / tls.SERVER_CERT).exists()


def test_make_cert_refuses_half_a_ca(tmp_path: Path) -> None:
    out = tmp_path / "certs"
    main(["admin", "make-cert", "--names", "localhost", "--out", str(out)])
    (out / tls.CA_KEY).unlink()
    with pytest.raises(SystemExit, match=r"half a hall CA: hall-ca-key\.pem is missing"):
        main(["admin", "make-cert", "--names", "localhost", "--out", str(out)])


def test_the_server_refuses_a_key_that_is_not_its_certificates(certs: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="are not a certificate and its key"):
        main(["server", "--config", str(TEST_HALL), "--data", str(tmp_path), "--tls-cert",
              str(certs / tls.SERVER_CERT), "--tls-key", str(certs / tls.CA_KEY)])  # fmt: skip
    with pytest.raises(SystemExit, match="--tls-cert and --tls-key together"):
        main(["server", "--config", str(TEST_HALL), "--data", str(tmp_path), "--tls-cert", str(certs / "x.pem")])
    with pytest.raises(SystemExit, match=r"--tls-cert .*nowhere.pem: no such file"):
        main(["server", "--config", str(TEST_HALL), "--data", str(tmp_path), "--tls-cert",
              str(tmp_path / "nowhere.pem"), "--tls-key", str(certs / tls.SERVER_KEY)])  # fmt: skip


# ------------------------------------------------------------------ websocket clients
async def test_a_client_with_the_hall_ca_signs_in_over_wss(hall: ServerChild, certs: Path) -> None:
    assert hall.url.startswith("wss://")
    client = HallClient(hall.url, ca=certs / tls.CA_CERT)
    await client.connect()
    try:
        welcome = await client.hello("counter", counter=1, clerk="cat", password=PASSWORD)
        assert welcome["type"] == "welcome" and welcome["counter"] == 1
        assert client.snapshot is not None and client.snapshot["type"] == "snapshot"
    finally:
        await client.close()


async def test_a_frame_many_times_the_tls_read_buffer_crosses_whole(hall: ServerChild, certs: Path) -> None:
    """The server reads TLS through a 32 KiB buffer (tls.TLS_READ_BUFFER, not asyncio's 256 KiB):
    a 600 KB frame still arrives whole, and is answered as too large, not cut or dropped."""
    client = HallClient(hall.url, ca=certs / tls.CA_CERT)
    await client.connect()
    try:
        await client.hello("kiosk", **KIOSK)
        answers = collect(client)
        await client.send_raw(json.dumps({"type": "ping", "id": "big", "pad": "x" * 600_000}))
        await wait_for(lambda: any(a.get("code") == "too_large" for a in answers), timeout=10)
        answer = next(a for a in answers if a.get("code") == "too_large")
        assert "has 600" in answer["message"]  # every byte counted: the frame came whole
        assert (await client.request("ping")) is not None  # and the connection carries on
    finally:
        await client.close()


async def test_a_client_without_the_hall_ca_is_refused_with_the_reason(hall: ServerChild) -> None:
    client = HallClient(hall.url)  # the system's trust store knows no hall CA
    with pytest.raises(CertificateProblem) as refused:
        await client.connect()
    said = str(refused.value)
    assert hall.url in said
    assert "certificate is not trusted: unable to get local issuer certificate" in said
    assert "--ca" in said


async def test_a_ca_that_is_not_the_halls_is_refused(hall: ServerChild, tmp_path: Path) -> None:
    main(["admin", "make-cert", "--names", "localhost", "--out", str(tmp_path / "other")])
    client = HallClient(hall.url, ca=tmp_path / "other" / tls.CA_CERT)
    with pytest.raises(CertificateProblem, match=r"is --ca this hall's hall-ca\.pem"):
        await client.connect()


async def test_a_certificate_for_other_names_is_refused(certs: Path, tmp_path: Path) -> None:
    """A server certificate that does not name the address the client was given."""
    main(["admin", "make-cert", "--names", "hall.local", "--out", str(tmp_path / "certs")])
    child = _server(tmp_path / "data", *_tls_options(tmp_path / "certs"))
    try:
        client = HallClient(child.url, ca=tmp_path / "certs" / tls.CA_CERT)
        with pytest.raises(CertificateProblem, match="IP address mismatch"):
            await client.connect()
    finally:
        child.stop()


async def test_a_ca_file_that_is_no_certificate_is_named(hall: ServerChild, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a certificate\n")
    with pytest.raises(CertificateProblem, match=r"the CA file .*notes.txt holds no usable PEM certificate"):
        await HallClient(hall.url, ca=tmp_path / "notes.txt").connect()
    with pytest.raises(CertificateProblem, match=r"the CA file .*missing.pem does not exist"):
        await HallClient(hall.url, ca=tmp_path / "missing.pem").connect()


def test_the_programs_refuse_a_missing_ca_file_before_they_start(tmp_path: Path) -> None:
    for verb in (["kiosk", "--token", "t"], ["counter", "--counter", "1"], ["display", "--token", "t"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args([*verb, "--server", "wss://hall.local:8765", "--ca", str(tmp_path / "no.pem")])


# ------------------------------------------------------------------ https on the same port
def test_https_serves_health_and_the_console_with_the_hall_ca(hall: ServerChild, certs: Path) -> None:
    status, kind, body = _https(f"{hall.http_url}/healthz", certs / tls.CA_CERT)
    assert status == 200 and kind.startswith("application/json")
    assert json.loads(body)["status"] == "ok"
    status, kind, body = _https(f"{hall.http_url}/console", certs / tls.CA_CERT)
    assert status == 200 and kind.startswith("text/html") and "<html" in body.lower()
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        _https(f"{hall.http_url}/healthz", None)


# ------------------------------------------------------------------ the programs (offscreen Qt)
def test_the_counter_program_started_with_ca_signs_in_over_wss(hall: ServerChild, certs: Path, qtbot: Any) -> None:
    from test_counter_support import sign_in

    from hallcall.counter.app import CounterProgram
    from hallcall.gui.qtapp import make_app

    args = build_parser().parse_args(
        ["counter", "--server", hall.url, "--ca", str(certs / tls.CA_CERT), "--counter", "2"]
    )
    use_hall_ca(args.ca)  # as `hallcall counter` does before it opens its window
    try:
        make_app()
        program = CounterProgram(args.server, args.counter, lang="en", link_options=FAST)
        qtbot.addWidget(program.window, before_close_func=lambda _: program.close())
        program.show()
        sign_in(qtbot, program, clerk="dan")
        assert program.link is not None and program.link.url.startswith("wss://")
    finally:
        use_hall_ca(None)


def test_a_kiosk_without_the_ca_says_why_and_does_not_hammer(hall: ServerChild, qtbot: Any, tmp_path: Path) -> None:
    from hallcall.gui.link import HallLink
    from hallcall.kiosk.app import KioskWindow

    link = HallLink(hall.url, {"role": "kiosk", "token": KIOSK["token"]}, retry_refused_after=30.0, **FAST)
    window = KioskWindow(link, printer=f"virtual:{tmp_path}", lang="en")
    qtbot.addWidget(window)
    refusals: list[dict[str, Any]] = []
    link.refused.connect(refusals.append)
    try:
        link.start()
        qtbot.waitUntil(lambda: link.state == "refused", timeout=8000)
        qtbot.wait(500)  # a back-off loop would have tried again several times by now
        assert len(refusals) == 1
        answer = refusals[0]
        assert answer["code"] == "bad_certificate"
        assert answer["details"]["url"] == hall.url
        assert "unable to get local issuer certificate" in answer["message"]
        assert hall.url in answer["message_zh"] and "hall-ca.pem" in answer["message_zh"]
        assert hall.url in window.start_screen.staff_line.text()
    finally:
        window.shutdown()
        link.stop()


def test_a_kiosk_with_the_ca_connects(hall: ServerChild, certs: Path, qtbot: Any, tmp_path: Path) -> None:
    from hallcall.gui.link import HallLink
    from hallcall.kiosk.app import KioskWindow

    link = HallLink(hall.url, {"role": "kiosk", "token": KIOSK["token"]}, ca=certs / tls.CA_CERT, **FAST)
    window = KioskWindow(link, printer=f"virtual:{tmp_path}", lang="en")
    qtbot.addWidget(window)
    try:
        link.start()
        qtbot.waitUntil(lambda: link.connected and link.mirror.hall is not None, timeout=8000)
    finally:
        window.shutdown()
        link.stop()


# ------------------------------------------------------------------ the warning
@pytest.mark.parametrize(
    ("host", "encrypted", "warned"),
    [("0.0.0.0", False, True), ("127.0.0.1", False, False), ("0.0.0.0", True, False)],
)
def test_the_server_warns_when_it_serves_the_lan_in_the_clear(
    certs: Path, tmp_path: Path, host: str, encrypted: bool, warned: bool
) -> None:
    child = _server(tmp_path, *(_tls_options(certs) if encrypted else ()), host=host)
    try:
        said = child.log.read_text(encoding="utf-8")
    finally:
        child.stop()
    assert ("without TLS" in said) is warned
    assert ("不加密" in said) is warned
    if warned:
        assert f"hallcall: warning: serving {host}:{child.port} without TLS" in said  # on stderr
        assert f"WARNING hallcall.server: serving {host}:{child.port} without TLS" in said  # in the log


# ------------------------------------------------------------------ a browser
def test_the_console_over_https_connects_its_websocket_over_wss(hall: ServerChild, browser: Browser) -> None:
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1920, "height": 1080})
    try:
        page = context.new_page()
        page.set_default_timeout(8000)
        sockets: list[str] = []
        page.on("websocket", lambda ws: sockets.append(ws.url))
        page.goto(f"{hall.http_url}/console")
        page.fill("#clerk", SUPERVISOR)
        page.fill("#password", PASSWORD)
        page.click("#signin-form button[type=submit]")
        signed_in(page)
        assert sockets and all(url == f"wss://127.0.0.1:{hall.port}/" for url in sockets)
    finally:
        context.close()
