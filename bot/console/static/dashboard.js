/* 智慧驾驶舱: fetch the scoped figures from /console/api/dashboard and draw them with the
   vendored ECharts. No inline script is allowed (CSP default-src 'self'): the page passes
   its settings in a <script type="application/json"> block read here. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("dashboard-config").textContent);
  var charts = [];

  function pct(value) {
    return value === null || value === undefined ? "–" : (value * 100).toFixed(1) + "%";
  }

  function chart(id, option) {
    var node = document.getElementById(id);
    if (!node || !window.echarts) { return null; }
    var instance = window.echarts.init(node);
    instance.setOption(option);
    charts.push(instance);
    return instance;
  }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  function kpis(summary) {
    var rates = { done_rate: 1, on_time_rate: 1, satisfaction_rate: 1 };
    document.querySelectorAll("[data-kpi]").forEach(function (node) {
      var key = node.getAttribute("data-kpi");
      node.textContent = rates[key] ? pct(summary[key]) : String(summary[key]);
    });
  }

  function rankTable(id, rows, t) {
    var table = document.getElementById(id);
    table.textContent = "";
    var head = el("tr");
    [t.rank, t.name, t.total, t.done_rate, t.on_time_rate, t.satisfaction_rate, t.score]
      .forEach(function (title) { head.appendChild(el("th", title)); });
    table.appendChild(head);
    rows.forEach(function (row) {
      var tr = el("tr");
      [row.rank, row.name, row.total, pct(row.done_rate), pct(row.on_time_rate),
        pct(row.satisfaction_rate), row.score].forEach(function (value) {
        tr.appendChild(el("td", value));
      });
      table.appendChild(tr);
    });
  }

  function sourceTable(rows, t) {
    // Where demands came in; each source opens the inbox filtered to it.
    var table = document.getElementById("by-source");
    table.textContent = "";
    var head = el("tr");
    [t.source, t.count, t.share, ""].forEach(function (title) { head.appendChild(el("th", title)); });
    table.appendChild(head);
    if (!rows.length) {
      var none = el("tr");
      var cell = el("td", t.source_none);
      cell.colSpan = 4;
      none.appendChild(cell);
      table.appendChild(none);
      return;
    }
    rows.forEach(function (row) {
      var tr = el("tr");
      tr.setAttribute("data-source", row.source);
      var name = el("td");
      var link = el("a", row.label);
      link.href = "/console/?source=" + encodeURIComponent(row.source);
      name.appendChild(link);
      tr.appendChild(name);
      tr.appendChild(el("td", row.count));
      tr.appendChild(el("td", pct(row.share)));
      var bar = el("td");
      var meter = el("meter");
      meter.min = 0;
      meter.max = 1;
      meter.value = row.share || 0;
      bar.appendChild(meter);
      tr.appendChild(bar);
      table.appendChild(tr);
    });
  }

  function hotList(items, t) {
    var list = document.getElementById("hot");
    list.textContent = "";
    if (!items.length) { list.appendChild(el("li", t.hot_none)); return; }
    items.forEach(function (item) {
      var li = el("li", item.title || item.category_label, item.red ? "red" : "");
      li.appendChild(el("span", item.urgency_label + " · " + item.category_label + " · " +
        t.reporters + " " + item.reporters + " · " + t.since + " " + item.since, "meta"));
      list.appendChild(li);
    });
  }

  function draw(data) {
    var t = data.labels;
    kpis(data.summary);
    chart("chart-day", {
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 16, top: 16, bottom: 40 },
      xAxis: { type: "category", data: data.by_day.map(function (d) { return d.day; }) },
      yAxis: { type: "value", minInterval: 1 },
      dataZoom: [{ type: "inside" }],
      series: [{ type: "line", smooth: true, areaStyle: {},
        data: data.by_day.map(function (d) { return d.count; }) }]
    });
    chart("chart-status", {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["35%", "65%"],
        data: data.by_status.map(function (s) { return { name: s.label, value: s.count }; }) }]
    });
    var top = data.by_category.slice(0, 10).reverse();
    chart("chart-category", {
      tooltip: { trigger: "axis" },
      grid: { left: 110, right: 16, top: 8, bottom: 24 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: top.map(function (c) { return c.label; }) },
      series: [{ type: "bar", data: top.map(function (c) { return c.count; }) }]
    });
    chart("chart-tiers", {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
      legend: { data: [t.tiers_actual, t.tiers_target] },
      grid: { left: 40, right: 16, top: 32, bottom: 24 },
      xAxis: { type: "category", data: data.tiers.map(function (r) { return r.label; }) },
      yAxis: { type: "value", max: 100 },
      series: [
        { name: t.tiers_actual, type: "bar",
          data: data.tiers.map(function (r) { return r.share === null ? 0 : +(r.share * 100).toFixed(1); }) },
        { name: t.tiers_target, type: "bar",
          data: data.tiers.map(function (r) { return r.target * 100; }) }
      ]
    });
    var points = data.grids.filter(function (g) { return g.lat !== null && g.lng !== null; });
    var most = points.reduce(function (m, g) { return Math.max(m, g.count); }, 1);
    chart("chart-heat", {
      tooltip: { formatter: function (p) { return p.data[3] + "：" + p.data[2]; } },
      grid: { left: 56, right: 64, top: 16, bottom: 40 },
      xAxis: { type: "value", name: t.lng, scale: true, splitLine: { show: false } },
      yAxis: { type: "value", name: t.lat, scale: true, splitLine: { show: false } },
      // On the right, not under the x axis, where its labels ran into the axis's.
      visualMap: { min: 0, max: most, dimension: 2, orient: "vertical", right: 0,
        top: "middle", itemHeight: 100, calculable: true, inRange: { color: ["#ffe08a", "#ff8a3d", "#d7301f"] } },
      series: [{ type: "scatter",
        symbolSize: function (v) { return 10 + 30 * Math.sqrt(v[2] / most); },
        data: points.map(function (g) { return [g.lng, g.lat, g.count, g.name]; }) }]
    });
    var self = data.self_compare.slice(0, 30);
    chart("chart-self", {
      tooltip: { trigger: "axis" },
      legend: { data: [t.this_month, t.projected, t.avg_6m] },
      grid: { left: 40, right: 16, top: 32, bottom: 64 },
      xAxis: { type: "category", axisLabel: { rotate: 30 },
        data: self.map(function (r) { return r.name; }) },
      yAxis: { type: "value" },
      series: [
        { name: t.this_month, type: "bar", data: self.map(function (r) { return r.this_month; }) },
        { name: t.projected, type: "bar", data: self.map(function (r) { return r.projected; }) },
        { name: t.avg_6m, type: "line", data: self.map(function (r) { return r.avg_6m; }) }
      ]
    });
    hotList(data.hot, t);
    sourceTable(data.by_source, t);
    rankTable("rank-streets", data.ranking.streets, t);
    rankTable("rank-communities", data.ranking.communities, t);
    document.getElementById("status").hidden = true;
  }

  function load() {
    fetch(config.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(draw)
      .catch(function (error) {
        var status = document.getElementById("status");
        status.className = "error";
        status.textContent = String(error);
      });
  }

  document.getElementById("days").addEventListener("change", function () {
    this.form.submit();
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", load);
  } else {
    load();
  }
})();
