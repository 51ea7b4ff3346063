"""The editor's desk in Chromium at 1366x768: dossier charts, dashboard, layout, French.

Timings are measured (navigation timing) and written to test-output/browser/timings.txt;
they are reported, never asserted.
"""

import json

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from libya.desk.models import Actor, Article, Claim, Event, Participation
from tests.admin.test_admin_i18n import english_on

USERNAME = "browser-desk-editor"
PASSWORD = "browser desk password 2020"
VIEWPORT = {"width": 1366, "height": 768}


@pytest.fixture
def editor(committed_db):
    get_user_model().objects.filter(username=USERNAME).delete()
    user = get_user_model().objects.create_user(USERNAME, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    yield user
    user.delete()


@pytest.fixture
def desk(page, server_url, editor, csp_violations):
    """A logged-in editor's page at 1366x768, collecting console errors."""
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size(VIEWPORT)
    page.goto(admin_url(server_url, "login/"))
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    return {"page": page, "errors": errors, "csp": csp_violations, "url": server_url}


def admin_url(server_url: str, path: str = "") -> str:
    return f"{server_url}/{settings.ADMIN_PATH}{path}"


def shoigu() -> Actor:
    return Actor.objects.get(slug="sergei-shoigu")


def drawn_pixels(page, selector: str) -> int:
    """Non-blank pixels on the chart's canvas: marks were drawn."""
    return page.evaluate(
        """selector => {
            const canvas = document.querySelector(selector + " canvas");
            const context = canvas.getContext("2d");
            const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
            let drawn = 0;
            for (let i = 3; i < data.length; i += 4) if (data[i] > 0) drawn++;
            return drawn;
        }""",
        selector,
    )


def series_items(page, selector: str) -> int:
    return page.evaluate(
        """selector => {
            const chart = echarts.getInstanceByDom(document.querySelector(selector));
            return chart.getOption().series.reduce(
                (n, s) => n + (s.data || []).length + (s.links || []).length, 0);
        }""",
        selector,
    )


def server_ms(page) -> float:
    return page.evaluate(
        """() => { const t = performance.getEntriesByType("navigation")[0];
                  return t.responseEnd - t.requestStart; }"""
    )


def record_timing(output_dir, name: str, ms: float) -> None:
    path = output_dir / "timings.json"
    timings = json.loads(path.read_text()) if path.exists() else {}
    timings[name] = round(ms, 1)
    path.write_text(json.dumps(timings, indent=2, sort_keys=True))


def wait_for_chart(page, selector: str) -> None:
    page.wait_for_selector(f"{selector}[data-rendered=true] canvas")
    page.wait_for_function(
        "s => echarts.getInstanceByDom(document.querySelector(s)) !== undefined", arg=selector
    )
    page.wait_for_timeout(1200)  # animations (and the force layout) settle


@pytest.mark.browser
def test_dossier_of_shoigu_shows_links_and_both_charts(desk, output_dir):
    page, actor = desk["page"], shoigu()
    page.goto(admin_url(desk["url"], f"desk/actor/{actor.pk}/dossier/"))
    record_timing(output_dir, "dossier_sergei_shoigu_ms", server_ms(page))
    wait_for_chart(page, "#desk-timeline")
    wait_for_chart(page, "#desk-network")

    for part in Participation.objects.filter(actor=actor):
        assert page.locator(f"a[href$='/desk/event/{part.event_id}/change/']").count() >= 1
    for claim in Claim.objects.filter(subjects=actor):
        assert page.locator(f"a[href$='/desk/claim/{claim.pk}/change/']").count() >= 1
    assert series_items(page, "#desk-timeline") >= 1
    assert series_items(page, "#desk-network") >= 1
    assert drawn_pixels(page, "#desk-timeline") > 1000
    assert drawn_pixels(page, "#desk-network") > 1000
    page.screenshot(path=output_dir / "dossier_shoigu.png", full_page=True)
    assert desk["errors"] == []
    assert desk["csp"] == []


@pytest.mark.browser
def test_clicking_a_network_edge_lists_its_sources(desk, output_dir):
    page, actor = desk["page"], shoigu()
    page.goto(admin_url(desk["url"], f"desk/actor/{actor.pk}/dossier/"))
    wait_for_chart(page, "#desk-network")

    point = page.evaluate(
        """() => {
            const element = document.querySelector("#desk-network");
            element.scrollIntoView({block: "center"});
            const chart = echarts.getInstanceByDom(element);
            const series = chart.getModel().getSeriesByIndex(0);
            const graph = series.getGraph();
            const toPixel = (node) => series.coordinateSystem.dataToPoint(node.getLayout());
            // A click on a node or its label (drawn to its right) opens that actor's
            // dossier: the point must be on an edge and clear of every node.
            const nodes = graph.nodes.map(toPixel);
            const clear = ([x, y]) =>
                nodes.every(([nx, ny]) => x < nx - 24 || x > nx + 160 || Math.abs(y - ny) > 20);
            // An edge alone between its two actors is drawn straight: points between its
            // ends are on it.
            const pair = (e) => [e.node1.id, e.node2.id].sort().join(" ");
            const counts = {};
            graph.edges.forEach((e) => { counts[pair(e)] = (counts[pair(e)] || 0) + 1; });
            const box = element.getBoundingClientRect();
            for (const edge of graph.edges.filter((e) => counts[pair(e)] === 1)) {
                const [[x1, y1], [x2, y2]] = [toPixel(edge.node1), toPixel(edge.node2)];
                for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
                    const at = [x1 + t * (x2 - x1), y1 + t * (y2 - y1)];
                    if (clear(at)) return {x: box.left + at[0], y: box.top + at[1]};
                }
            }
            return null;
        }"""
    )
    assert point is not None, "no edge has a point clear of every node"
    page.mouse.click(point["x"], point["y"])
    page.wait_for_selector("#desk-edge-sources h3")

    assert page.locator("#desk-edge-sources .desk-records a").count() >= 1
    page.screenshot(path=output_dir / "dossier_edge_sources.png", full_page=True)
    assert desk["errors"] == []


@pytest.mark.browser
def test_clicking_a_timeline_mark_opens_the_record(desk):
    page, actor = desk["page"], shoigu()
    page.goto(admin_url(desk["url"], f"desk/actor/{actor.pk}/dossier/"))
    wait_for_chart(page, "#desk-timeline")

    point = page.evaluate(
        """() => {
            const element = document.querySelector("#desk-timeline");
            element.scrollIntoView({block: "center"});
            const chart = echarts.getInstanceByDom(element);
            const item = chart.getOption().series[0].data[0];
            const [start, end] = [item.value[1], item.value[2]];
            const middle = [(start + end) / 2, item.value[0]];
            const [x, y] = chart.convertToPixel({seriesIndex: 0}, middle);
            const box = element.getBoundingClientRect();
            return {x: box.left + x, y: box.top + y, url: item.url};
        }"""
    )
    page.mouse.click(point["x"], point["y"])
    page.wait_for_url(f"**{point['url']}")


@pytest.mark.browser
def test_dashboard_shows_the_review_queue(desk, output_dir):
    page = desk["page"]
    page.goto(admin_url(desk["url"]))
    record_timing(output_dir, "dashboard_ms", server_ms(page))
    page.wait_for_selector(".desk-dashboard")

    unreviewed = Claim.objects.filter(status="unreviewed").count()
    queue = page.locator(".desk-figure a[href$='?status__exact=unreviewed']")
    assert queue.inner_text().strip() == str(unreviewed)
    if unreviewed:
        wait_for_chart(page, "#desk-claims-per-month")
        assert drawn_pixels(page, "#desk-claims-per-month") > 500
    page.screenshot(path=output_dir / "dashboard.png", full_page=True)
    assert desk["errors"] == []
    assert desk["csp"] == []


def main_pages() -> dict[str, str]:
    actor, claim = shoigu(), Claim.objects.filter(speaker__isnull=False).order_by("pk").first()
    event, article = Event.objects.order_by("pk").first(), Article.objects.order_by("pk").first()
    return {
        "dashboard": "",
        "actor_list": "desk/actor/",
        "actor_change": f"desk/actor/{actor.pk}/change/",
        "dossier": f"desk/actor/{actor.pk}/dossier/",
        "claim_list": "desk/claim/",
        "claim_change": f"desk/claim/{claim.pk}/change/",
        "event_list": "desk/event/",
        "event_change": f"desk/event/{event.pk}/change/",
        "article_list": "desk/article/",
        "article_change": f"desk/article/{article.pk}/change/",
    }


@pytest.mark.browser
def test_no_main_page_overflows_and_none_shows_english(desk, output_dir):
    page = desk["page"]
    overflowing, english = {}, {}
    for name, path in main_pages().items():
        page.goto(admin_url(desk["url"], path))
        page.wait_for_load_state("load")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > VIEWPORT["width"]:
            overflowing[name] = width
        found = english_on(page.content())
        if found:
            english[name] = found[:5]
        page.screenshot(path=output_dir / f"page_{name}.png")

    assert overflowing == {}
    assert english == {}
    assert desk["csp"] == []


def right_edge(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["x"] + box["width"]


@pytest.mark.browser
def test_key_columns_and_inlines_are_visible(desk):
    page, actor = desk["page"], shoigu()
    page.goto(admin_url(desk["url"], "desk/actor/"))
    assert right_edge(page, "td.field-alias_list") <= VIEWPORT["width"]
    page.goto(admin_url(desk["url"], "desk/claim/"))
    assert right_edge(page, "td.field-article_title") <= VIEWPORT["width"]
    assert right_edge(page, "td.field-said_on") <= VIEWPORT["width"]
    page.goto(admin_url(desk["url"], f"desk/actor/{actor.pk}/change/"))
    assert page.locator("#affiliations-group").is_visible()
    assert right_edge(page, "#affiliations-group") <= VIEWPORT["width"]
