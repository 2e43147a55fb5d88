"""Command-line argument types the programs share, so each refuses bad input the same way
before a window opens (a wall TV showing a blank hall tells an installer nothing)."""

from __future__ import annotations

import argparse
import urllib.parse


def server_url(text: str) -> str:
    """``--server``: a websocket address ws://HOST:PORT (or wss://); anything else is refused
    with the address named."""
    parts = urllib.parse.urlsplit(text)
    try:
        _ = parts.port  # raises on a port that is not a number
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} has a bad port: {exc}") from None
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{text!r} is not a server address like ws://HOST:PORT")
    return text


def ca_file(text: str) -> str:
    """``--ca``: a PEM file of CA certificates to trust for wss:// (the hall's hall-ca.pem);
    refused at once, with the file named, when it is missing or holds no certificate."""
    import ssl

    try:
        ssl.create_default_context(cafile=text)
    except FileNotFoundError:
        raise argparse.ArgumentTypeError(f"{text!r}: no such file") from None
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"{text!r} holds no PEM certificate ({exc})") from None
    return text


CA_HELP = "the hall's CA certificate (hall-ca.pem) to trust for a wss:// server (default: the system's trust store)"
