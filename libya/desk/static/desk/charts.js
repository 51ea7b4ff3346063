// The desk's charts (Apache ECharts, vendored): an actor's timeline and network on the
// dossier, claims per month by status on the dashboard. Data comes from json_script
// blocks; nothing here writes inline styles or HTML, so the site-only CSP holds.
"use strict";

(function () {
  const gettext = window.gettext || ((text) => text);
  const DAY_MS = 86400000;
  // Tooltips drawn on the canvas: ECharts' HTML tooltips carry inline style attributes.
  const TOOLTIP = { renderMode: "richText", confine: true };

  function readData(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function chartIn(id) {
    const element = document.getElementById(id);
    if (!element || !window.echarts) return null;
    const chart = window.echarts.init(element, null, { renderer: "canvas" });
    window.addEventListener("resize", () => chart.resize());
    element.dataset.rendered = "true";
    return chart;
  }

  function openOnClick(chart) {
    chart.on("click", (params) => {
      if (params.dataType !== "edge" && params.data && params.data.url) {
        window.location.href = params.data.url;
      }
    });
  }

  // One bar per event or claim, from its first to its last possible day.
  function drawTimeline(items) {
    const element = document.getElementById("desk-timeline");
    if (!element) return;
    if (!items.length) {
      element.textContent = element.dataset.empty;
      return;
    }
    const chart = chartIn("desk-timeline");
    const lanes = [...new Set(items.map((item) => item.lane))];
    const kinds = [...new Set(items.map((item) => item.kind))];
    const renderRange = (params, api) => {
      const lane = api.value(0);
      const start = api.coord([api.value(1), lane]);
      const end = api.coord([api.value(2), lane]);
      const height = api.size([0, 1])[1] * 0.5;
      const width = Math.max(end[0] - start[0], 6);
      const box = params.coordSys;
      const rect = window.echarts.graphic.clipRectByRect(
        { x: start[0] - (end[0] - start[0] < 6 ? 3 : 0), y: start[1] - height / 2, width, height },
        { x: box.x, y: box.y, width: box.width, height: box.height },
      );
      return rect && { type: "rect", shape: rect, style: api.style() };
    };
    chart.setOption({
      tooltip: { ...TOOLTIP, formatter: (p) => `${p.data.dates}\n${p.data.title}` },
      legend: { type: "scroll", top: 0 },
      grid: { left: 150, right: 30, top: 40, bottom: 60 },
      // A month either side, so that a mark at either end is drawn whole.
      xAxis: {
        type: "time",
        min: (extent) => extent.min - 31 * DAY_MS,
        max: (extent) => extent.max + 31 * DAY_MS,
      },
      yAxis: { type: "category", data: lanes },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 20, bottom: 10 }],
      series: kinds.map((kind) => ({
        type: "custom",
        name: kind,
        renderItem: renderRange,
        encode: { x: [1, 2], y: 0 },
        data: items
          .filter((item) => item.kind === kind)
          .map((item) => ({
            value: [lanes.indexOf(item.lane), Date.parse(item.start), Date.parse(item.end) + DAY_MS],
            url: item.url,
            title: item.title,
            dates: item.start === item.end ? item.start : `${item.start} – ${item.end}`,
          })),
      })),
    });
    openOnClick(chart);
  }

  const EDGE_COLOURS = {
    affiliation: "#5470c6",
    event: "#91cc75",
    statement: "#ee6666",
    named_together: "#fac858",
  };
  const EDGE_NAMES = {
    affiliation: gettext("affiliation"),
    event: gettext("event attended together"),
    statement: gettext("its claims name"),
    named_together: gettext("named together in a claim"),
  };

  function drawNetwork(graph) {
    const chart = chartIn("desk-network");
    if (!chart) return;
    const kinds = [...new Set(graph.nodes.map((node) => node.kind_label))];
    chart.setOption({
      tooltip: {
        ...TOOLTIP,
        formatter: (p) =>
          p.dataType === "edge"
            ? `${EDGE_NAMES[p.data.kind]}: ${p.data.labels.join(", ")}\n` +
              `${gettext("sources")}: ${p.data.sources.length}`
            : p.data.label_text,
      },
      legend: { data: kinds, top: 0 },
      series: [
        {
          type: "graph",
          layout: "force",
          roam: true,
          draggable: true,
          autoCurveness: true,
          // Laid out before the first paint: at most 60 nodes settle in a few milliseconds,
          // and a graph that keeps drifting moves its edges from under the editor's pointer.
          force: { repulsion: 400, edgeLength: [80, 200], layoutAnimation: false },
          categories: kinds.map((kind) => ({ name: kind })),
          label: { show: true, position: "right", formatter: (p) => p.data.label_text },
          emphasis: { focus: "adjacency" },
          data: graph.nodes.map((node) => ({
            name: node.slug,
            label_text: node.name,
            category: kinds.indexOf(node.kind_label),
            symbolSize: node.focus ? 36 : 16,
            url: node.url,
          })),
          links: graph.edges.map((edge) => ({
            ...edge,
            symbol: edge.kind === "affiliation" || edge.kind === "statement" ? ["none", "arrow"] : "none",
            lineStyle: {
              width: 1 + 2 * edge.weight,
              color: EDGE_COLOURS[edge.kind],
              type: edge.disputed ? "dashed" : "solid",
              opacity: 0.8,
            },
          })),
        },
      ],
    });
    openOnClick(chart);
    chart.on("click", (params) => {
      if (params.dataType === "edge") listSources(params.data, graph);
    });
  }

  function linkItem(href, text) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = href;
    link.textContent = text;
    item.append(link);
    return item;
  }

  // The articles and records behind an edge, listed under the graph.
  function listSources(edge, graph) {
    const names = Object.fromEntries(graph.nodes.map((node) => [node.slug, node.name]));
    const box = document.getElementById("desk-edge-sources");
    const heading = document.createElement("h3");
    heading.textContent = `${names[edge.source]} — ${names[edge.target]}: ${EDGE_NAMES[edge.kind]}`;
    const sources = document.createElement("ul");
    sources.className = "desk-sources";
    edge.sources.forEach((source) => sources.append(linkItem(source.url, source.title)));
    if (!edge.sources.length) {
      const none = document.createElement("li");
      none.textContent = gettext("No article recorded for this relation.");
      sources.append(none);
    }
    const records = document.createElement("ul");
    records.className = "desk-records";
    edge.records.forEach((record) => records.append(linkItem(record.url, record.title)));
    const sourcesTitle = document.createElement("h4");
    sourcesTitle.textContent = gettext("Sources");
    const recordsTitle = document.createElement("h4");
    recordsTitle.textContent = gettext("Records");
    box.replaceChildren(heading, sourcesTitle, sources, recordsTitle, records);
  }

  // Claims per month, stacked by status; a bar opens the claims of that month and status.
  function drawClaimsPerMonth(data) {
    const chart = chartIn("desk-claims-per-month");
    if (!chart) return;
    chart.setOption({
      tooltip: { ...TOOLTIP, trigger: "item" },
      legend: { top: 0 },
      grid: { left: 40, right: 10, top: 30, bottom: 30 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.map((series) => ({
        type: "bar",
        stack: "claims",
        name: series.label,
        data: series.counts.map((count, i) => ({ value: count, url: series.urls[i] })),
      })),
    });
    openOnClick(chart);
  }

  function start() {
    const timeline = readData("desk-timeline-data");
    if (timeline) drawTimeline(timeline);
    const graph = readData("desk-graph-data");
    if (graph) drawNetwork(graph);
    const perMonth = readData("desk-claims-per-month-data");
    if (perMonth) drawClaimsPerMonth(perMonth);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
