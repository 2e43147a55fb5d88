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
