from conftest import collect, wait_for


async def test_issue_and_call(hall):
    kiosk = await hall.kiosk()
    counter = await hall.counter(1)
    display = await hall.display()
    seen = collect(display)
    data = await kiosk.request("issue", service="social")
    assert data["ticket"]["number"] == "A001"
    called = await counter.request("call_next")
    assert called["ticket"]["number"] == "A001"
    await wait_for(lambda: any(e.get("name") == "called" for e in seen))
