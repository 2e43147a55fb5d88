"""Encrypted links: the server's TLS context, and the hall's own certificates.

A hall's server lives on a LAN under a local name or a bare address, which no public
certificate authority will vouch for.  So a hall makes its own: ``hallcall admin make-cert``
creates a hall CA once (kept, and re-used by every later run, so the programs keep trusting it
across server certificate renewals) and a server certificate for the names and addresses the
programs and browsers use, signed by that CA.  The programs trust the CA with ``--ca``; browsers
get it installed once (docs/deployment.md, "Encryption").

Keys are ECDSA P-256: every browser, Qt and OpenSSL version we meet accepts them, and they are
small and quick to make.  The server certificate lives 825 days, the longest any client platform
accepts for a certificate of a CA installed by hand; the CA ten years.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_CERT = "hall-ca.pem"
CA_KEY = "hall-ca-key.pem"
SERVER_CERT = "server.pem"
SERVER_KEY = "server-key.pem"

CA_DAYS = 3650
SERVER_DAYS = 825
EXPIRY_WARNING_DAYS = 30  # the server says so in its log at start from this many days before
# asyncio gives each TLS connection a read buffer of asyncio.sslproto.SSLProtocol.max_size,
# 256 KiB: an idle display cost the server 296 KiB over TLS against 15 KiB without.  The hall's
# messages are small; 32 KiB holds two whole TLS records and brings it to 71 KiB
# (docs/performance.md, "Encryption").
TLS_READ_BUFFER = 32 * 1024

_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


class TLSError(Exception):
    """A certificate or key that cannot be used, or a name that cannot go in one; the message
    names the file or the name and what is wrong with it."""


# ------------------------------------------------------------------ the server's side of a connection
def is_loopback(host: str) -> bool:
    """Only this machine can reach ``host`` (a demo, a test, a server behind a local proxy);
    any other address, and "" or 0.0.0.0 (every interface), is reachable from the LAN."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def plain_warning(host: str, port: int) -> dict[str, str]:
    """What the server says at start when it listens on the LAN without TLS, in both languages."""
    where = f"{host or '*'}:{port}"
    return {
        "en": f"serving {where} without TLS: passwords and device tokens cross the network readable by anyone "
        "on it; make certificates with `hallcall admin make-cert` and start with --tls-cert and --tls-key "
        "(docs/deployment.md, 'Encryption')",
        "zh": f"正在 {where} 上不加密服务：密码和设备令牌以明文在网络上传输，同一网络中的任何人都能读到；"
        "请用 `hallcall admin make-cert` 生成证书，并以 --tls-cert 和 --tls-key 启动"
        "（见 docs/deployment.md 的“Encryption”一节）",
    }


def server_context(cert: str | Path, key: str | Path) -> ssl.SSLContext:
    """The context the server listens with: TLS 1.2 or newer, with this certificate and key.
    Also trims the read buffer of every TLS connection this process makes (TLS_READ_BUFFER)."""
    for flag, path in (("--tls-cert", cert), ("--tls-key", key)):
        if not Path(path).is_file():
            raise TLSError(f"{flag} {path}: no such file")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(cert), str(key))
    except ssl.SSLError as exc:
        reason = exc.reason or str(exc)
        raise TLSError(f"--tls-cert {cert} and --tls-key {key} are not a certificate and its key ({reason})") from None
    except OSError as exc:
        raise TLSError(f"cannot read {cert} or {key}: {exc.strerror or exc}") from None
    _trim_read_buffers()
    return context


def _trim_read_buffers() -> None:
    """Asyncio has no per-server setting for it: the class attribute is read as each connection
    is made.  Only ever made smaller, so a Python that already uses less keeps its own."""
    from asyncio import sslproto

    if getattr(sslproto.SSLProtocol, "max_size", 0) > TLS_READ_BUFFER:
        sslproto.SSLProtocol.max_size = TLS_READ_BUFFER


def certificate_summary(cert: str | Path, now: dt.datetime | None = None) -> tuple[str, bool]:
    """One line for the server's log: whom the certificate names and until when; and whether it
    expires within EXPIRY_WARNING_DAYS (time to run make-cert again)."""
    loaded = x509.load_pem_x509_certificate(Path(cert).read_bytes())
    now = now or dt.datetime.now(dt.UTC)
    ends = loaded.not_valid_after_utc
    try:
        names = loaded.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        named = ", ".join(str(n.value) for n in names)
    except x509.ExtensionNotFound:
        named = loaded.subject.rfc4514_string()
    soon = ends - now < dt.timedelta(days=EXPIRY_WARNING_DAYS)
    left = (ends - now).days
    return f"TLS certificate {cert} for {named}, valid until {ends:%Y-%m-%d} ({left} days)", soon


# ------------------------------------------------------------------ making a hall's certificates
@dataclass(frozen=True)
class MadeCerts:
    """What ``make_cert`` wrote, and whether the CA was already there."""

    ca_cert: Path
    ca_key: Path
    cert: Path
    key: Path
    ca_reused: bool
    names: tuple[str, ...]
    not_after: dt.datetime
    ca_fingerprint: str  # SHA-256, colon-separated hex: to compare on each device that installs the CA


def parse_names(text: str) -> list[x509.GeneralName]:
    """``hall.local,192.168.1.10``: DNS names and IP addresses (v4 or v6) the certificate is
    valid for.  A browser or program checks the address it was given against these, so each
    one clients will type belongs here."""
    names: list[x509.GeneralName] = []
    for raw in text.split(","):
        name = raw.strip()
        if not name:
            raise TLSError(f"--names {text!r} has an empty name: give names separated by single commas")
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(name.strip("[]"))))
            continue
        except ValueError:
            pass
        labels = name.rstrip(".").split(".")
        if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
            raise TLSError(
                f"--names: {name!r} is neither an IP address nor a host name "
                "(letters, digits and hyphens between dots, like hall.local)"
            )
        names.append(x509.DNSName(name.rstrip(".").lower()))
    if len({str(n.value) for n in names}) != len(names):
        raise TLSError(f"--names {text!r} names one host twice")
    return names


def make_cert(names_text: str, out: str | Path, now: dt.datetime | None = None) -> MadeCerts:
    """Write a server certificate and key for ``names_text`` into ``out``, signed by the hall CA
    there (made first when the folder has none).  A second run renews the server certificate
    under the same CA; the programs need nothing new."""
    names = parse_names(names_text)
    folder = Path(out)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise TLSError(f"--out {folder}: cannot make the folder: {exc.strerror or exc}") from None
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    ca_cert_path, ca_key_path = folder / CA_CERT, folder / CA_KEY
    if ca_cert_path.exists() != ca_key_path.exists():
        missing = ca_key_path if ca_cert_path.exists() else ca_cert_path
        raise TLSError(
            f"{folder} has half a hall CA: {missing.name} is missing; restore it, or move the other file away "
            "to make a new CA (every program and browser then needs the new one)"
        )
    reused = ca_cert_path.exists()
    if reused:
        ca_cert, ca_key = _load_ca(ca_cert_path, ca_key_path, now)
    else:
        ca_cert, ca_key = _new_ca(now)
        _write(ca_key_path, _key_pem(ca_key), private=True)
        _write(ca_cert_path, ca_cert.public_bytes(serialization.Encoding.PEM))
    key = ec.generate_private_key(ec.SECP256R1())
    not_after = min(now + dt.timedelta(days=SERVER_DAYS), ca_cert.not_valid_after_utc)
    first = names[0].value
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, str(first))]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))  # a device whose clock runs a little behind
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(server=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write(folder / SERVER_KEY, _key_pem(key), private=True)
    _write(folder / SERVER_CERT, cert.public_bytes(serialization.Encoding.PEM))
    return MadeCerts(
        ca_cert_path,
        ca_key_path,
        folder / SERVER_CERT,
        folder / SERVER_KEY,
        reused,
        tuple(str(n.value) for n in names),
        not_after,
        ca_cert.fingerprint(hashes.SHA256()).hex(":").upper(),
    )


def _new_ca(now: dt.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    # A name of its own per hall: two halls' CAs are told apart in a browser's certificate list.
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hallcall"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"hallcall hall CA {now:%Y-%m-%d} {os.urandom(3).hex()}"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(server=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _load_ca(cert_path: Path, key_path: Path, now: dt.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """The hall CA already in the folder, checked: a CA, unexpired, and its key the pair of it."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError) as exc:
        raise TLSError(f"{cert_path} is not a PEM certificate: {exc}") from None
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise TLSError(f"{key_path} is not an unencrypted PEM private key: {exc}") from None
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not is_ca:
        raise TLSError(f"{cert_path} is not a CA certificate")
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        raise TLSError(f"{key_path} is not the key of {cert_path}")
    if cert.not_valid_after_utc <= now + dt.timedelta(days=EXPIRY_WARNING_DAYS):
        raise TLSError(
            f"the hall CA {cert_path} expires on {cert.not_valid_after_utc:%Y-%m-%d}: move {CA_CERT} and "
            f"{CA_KEY} away to make a new CA, and give the new {CA_CERT} to every program and browser"
        )
    return cert, key


def _key_usage(*, server: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=server,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not server,
        crl_sign=not server,
        encipher_only=False,
        decipher_only=False,
    )


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write through a temporary file and a rename, so a server reading the old file never
    sees half a new one; a key is readable by its owner alone (0600) from its first byte."""
    temporary = path.with_name(f".{path.name}.new")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(temporary, 0o600 if private else 0o644)  # an older file of that name kept its mode
        os.replace(temporary, path)
    except OSError as exc:
        raise TLSError(f"cannot write {path}: {exc.strerror or exc}") from None


__all__ = [
    "CA_CERT",
    "CA_KEY",
    "SERVER_CERT",
    "SERVER_KEY",
    "MadeCerts",
    "TLSError",
    "certificate_summary",
    "is_loopback",
    "make_cert",
    "parse_names",
    "plain_warning",
    "server_context",
]
