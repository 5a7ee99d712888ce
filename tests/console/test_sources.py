"""Where every ticket came in, in the console: the source's label and own number in the
inbox and on the ticket page, the inbox filtered by source, counts by source on the
dashboard, and staff confirming a category the system predicted (in their scope only)."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from bot.console.texts import source_label
from bot.tickets.views import TicketDraft, TicketView
from tests.console.conftest import (
    CHENGNAN_BUILDING,
    DONGFENG_BUILDING,
    file,
    login,
    runtime_of,
    two_communities,
)

ORDER = "GD-2026-1201-000123"


async def file_from(
    client: TestClient,
    source: str,
    *,
    building: str = CHENGNAN_BUILDING,
    ref: str | None = None,
    predicted: bool = False,
    category: str = "report_lighting",
) -> TicketView:
    return await runtime_of(client).tickets.file(TicketDraft(
        category=category, description="小区门口路灯不亮，晚上很黑", reporter_channel="web",
        reporter_id=f"{source}-caller", building_code=building, source=source,
        source_ref=ref, category_predicted=predicted,
    ))


def test_one_label_function_with_a_fallback_and_fed_labels() -> None:
    assert source_label("web") == "网页聊天"
    assert source_label("staff") == "网格员代办"
    assert source_label("12345") == "12345热线"
    assert source_label("mailbox") == "其他来源（mailbox）"
    assert source_label("mailbox", {"mailbox": "市长信箱"}) == "市长信箱"
    assert source_label("12345", {"12345": "淄博12345"}) == "淄博12345"  # a registry wins
    assert source_label("") == "来源不明"


async def test_inbox_and_dashboard_show_filter_and_count_sources(client: TestClient) -> None:
    await two_communities(client)
    web = await file(client)
    hotline = await file_from(client, "12345", ref=ORDER, predicted=True)
    mailbox = await file_from(client, "mailbox")
    theirs = await file_from(client, "sensor", building=DONGFENG_BUILDING)

    await login(client, "han")
    listed = (await (await client.get("/console/api/tickets")).json())["tickets"]
    by_number = {t["number"]: t for t in listed}
    assert set(by_number) == {web.number, hotline.number, mailbox.number}
    assert (by_number[web.number]["source"], by_number[web.number]["source_label"]) == (
        "web", "网页聊天"
    )
    row = by_number[hotline.number]
    assert (row["source_label"], row["source_ref"], row["category_predicted"]) == (
        "12345热线", ORDER, True
    )
    assert by_number[mailbox.number]["source_label"] == "其他来源（mailbox）"

    async def numbers(query: str) -> list[str]:
        response = await client.get(f"/console/api/tickets?{query}")
        assert response.status == 200
        return [t["number"] for t in (await response.json())["tickets"]]

    assert await numbers("source=12345") == [hotline.number]
    assert await numbers("source=web") == [web.number]
    assert await numbers("source=sensor") == []  # 东风's sensor is not 城南's to see
    assert (await client.get("/console/api/tickets?source=" + "x" * 40)).status == 400

    html = await (await client.get("/console/", headers={"Accept": "text/html"})).text()
    for words in ("12345热线", ORDER, "分类待确认", "网页聊天", "其他来源（mailbox）",
                  '<option value="12345" >12345热线</option>'):
        assert words in html, words
    assert theirs.number not in html and "物联感知设备" not in html
    filtered = await (await client.get("/console/?source=12345&page=1")).text()
    assert hotline.number in filtered and web.number not in filtered
    assert 'value="12345" selected' in filtered

    dashboard = await (await client.get("/console/api/dashboard?days=7")).json()
    counts = {s["source"]: (s["label"], s["count"]) for s in dashboard["by_source"]}
    assert counts == {
        "web": ("网页聊天", 1), "12345": ("12345热线", 1), "mailbox": ("其他来源（mailbox）", 1)
    }
    assert [s["share"] for s in dashboard["by_source"]] == [0.3333] * 3
    await login(client, "root")
    everything = await (await client.get("/console/api/dashboard?days=7")).json()
    assert {s["source"]: s["count"] for s in everything["by_source"]} == {
        "web": 1, "12345": 1, "mailbox": 1, "sensor": 1
    }
    csv = (await (await client.get("/console/dashboard.csv?days=7")).read()).decode("utf-8-sig")
    assert csv.splitlines()[0].endswith(",来源") and "物联感知设备" in csv


async def test_staff_confirm_or_change_a_predicted_category_in_scope(
    sqlite_client: TestClient,
) -> None:
    client = sqlite_client
    await two_communities(client)
    hotline = await file_from(client, "12345", ref=ORDER, predicted=True)
    second = await file_from(client, "12345", ref="GD-2", predicted=True)
    url = f"/console/tickets/{hotline.number}"

    # Another community's secretary neither sees the ticket nor can confirm it.
    headers = await login(client, "zhao")
    refused = await client.post(f"{url}/confirm-category", json={"category": "report_garbage"},
                                headers=headers)
    assert refused.status == 404
    assert (await runtime_of(client).tickets.get(hotline.number)).category_predicted

    headers = await login(client, "han")
    page = await (await client.get(url, headers={"Accept": "text/html"})).text()
    assert "分类由系统预测，请确认" in page and f'action="{url}/confirm-category"' in page
    assert "12345热线" in page and ORDER in page
    facts = await (await client.get(url, headers=headers)).json()
    assert (facts["source"], facts["source_ref"], facts["category_predicted"]) == (
        "12345", ORDER, True
    )
    bad = await client.post(f"{url}/confirm-category", json={"category": "report_ufo"},
                            headers=headers)
    assert bad.status == 400 and (await bad.json())["error"] == "unknown_category"

    changed = await client.post(f"{url}/confirm-category", json={"category": "report_garbage"},
                                headers=headers)
    assert changed.status == 200, await changed.text()
    assert (await changed.json())["message"] == "分类已确认。"
    view = await runtime_of(client).tickets.get(hotline.number)
    assert view.category == "report_garbage" and not view.category_predicted
    event = view.history[-1]
    assert (event.kind, event.actor) == ("category", "han")
    assert event.note == "类别由“路灯与楼道灯”改为“垃圾清运与环境卫生”"
    page = await (await client.get(url, headers={"Accept": "text/html"})).text()
    assert "分类由系统预测，请确认" not in page and "确认分类" in page  # the history line

    # The form, as the page sends it: confirm what the system chose.
    form = {"csrf_token": headers["X-CSRF-Token"], "category": "report_lighting"}
    sent = await client.post(f"/console/tickets/{second.number}/confirm-category", data=form,
                             allow_redirects=False)
    assert sent.status == 303
    assert sent.headers["Location"].endswith("?done=confirm-category")
    view = await runtime_of(client).tickets.get(second.number)
    assert view.category == "report_lighting" and not view.category_predicted
    assert view.history[-1].note == "确认类别：路灯与楼道灯"
    again = await runtime_of(client).tickets.confirm_category(second.number, "han")
    assert len(again.history) == len(view.history)  # nothing left to confirm: no new line
