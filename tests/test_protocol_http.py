"""Plain HTTP on the websocket port: health, Prometheus metrics, and a 404 for anything else."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.error
import urllib.request

import pytest

from hallcall.client import HallClient


def http_base(hall) -> str:
    return hall.url.replace("ws://", "http://", 1)


async def get(hall, path: str) -> tuple[int, str, str]:
    """(status, content type, body) of GET ``path``, without going through any proxy."""

    def fetch() -> tuple[int, str, str]:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(http_base(hall) + path, timeout=5) as r:
                return r.status, r.headers.get("Content-Type", ""), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read().decode()

    return await asyncio.to_thread(fetch)


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one Prometheus sample, labels in any order; None if absent."""
    for line in text.splitlines():
        m = re.fullmatch(r"([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)", line)
        if not m or m.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if found == labels:
            return float(m.group(3))
    return None


async def test_healthz(hall):
    await hall.kiosk()
    status, content_type, body = await get(hall, "/healthz")
    assert status == 200
    assert content_type.startswith("application/json")
    health = json.loads(body)
    assert health["status"] == "ok" and health["database"] == "ok"
    assert health["day"] == "2026-11-23"
    assert health["clients"] == 1
    assert health["protocol"] == 1


async def test_metrics_after_issuing(hall):
    kiosk = await hall.kiosk()
    await hall.display()
    for _ in range(3):
        await kiosk.request("issue", service="social")
    await kiosk.request("issue", service="tax")
    counter = await hall.counter(1)
    await counter.request("call_next")
    await counter.request("finish")

    status, content_type, text = await get(hall, "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    assert sample(text, "hallcall_tickets_issued", service="social") == 3
    assert sample(text, "hallcall_tickets_issued", service="tax") == 1
    assert sample(text, "hallcall_tickets_issued", service="consult") == 0
    assert sample(text, "hallcall_tickets_served", service="social") == 1
    assert sample(text, "hallcall_tickets_waiting", service="social") == 2
    assert sample(text, "hallcall_connected_clients", role="kiosk") == 1
    assert sample(text, "hallcall_connected_clients", role="display") == 1
    assert sample(text, "hallcall_connected_clients", role="counter") == 1
    assert sample(text, "hallcall_connected_clients", role="supervisor") == 0
    assert sample(text, "hallcall_counters_signed_in") == 1
    assert "# TYPE hallcall_request_seconds histogram" in text
    assert sample(text, "hallcall_request_seconds_count", type="issue") == 4
    assert sample(text, "hallcall_request_seconds_count", type="call_next") == 1
    assert sample(text, "hallcall_request_seconds_bucket", type="issue", le="+Inf") == 4
    assert 0 < sample(text, "hallcall_request_seconds_sum", type="issue") < 4


async def test_metrics_follow_connections(hall):
    kiosk = await hall.kiosk()
    second = await hall.kiosk()
    _, _, text = await get(hall, "/metrics")
    assert sample(text, "hallcall_connected_clients", role="kiosk") == 2
    await second.close()
    await kiosk.request("ping")
    for _ in range(100):
        _, _, text = await get(hall, "/metrics")
        if sample(text, "hallcall_connected_clients", role="kiosk") == 1:
            break
        await asyncio.sleep(0.02)
    assert sample(text, "hallcall_connected_clients", role="kiosk") == 1


@pytest.mark.parametrize("path", ["/nothing-here", "/healthz/extra", "/metrics.json"])
async def test_unknown_path_is_404(hall, path):
    status, _, body = await get(hall, path)
    assert status == 404
    assert path in body


async def test_http_and_websockets_share_the_port(hall):
    status, _, _ = await get(hall, "/healthz")
    assert status == 200
    client = HallClient(hall.url)
    await client.connect()
    hall.clients.append(client)
    welcome = await client.hello("kiosk", device="kiosk-1", token="kiosk-token-1")
    assert welcome["role"] == "kiosk"
    status, _, body = await get(hall, "/healthz?verbose=1")  # a query string is ignored
    assert status == 200 and json.loads(body)["clients"] == 1
