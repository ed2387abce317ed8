// The creation dashboard's charts: data from the JSON endpoint named in data-url, one ECharts
// instance per [data-chart] element. No inline script, so a strict CSP stays possible.
(function () {
  "use strict";
  var root = document.getElementById("indicator-dashboard");
  if (!root || !window.echarts) {
    return;
  }
  var charts = [];

  function chart(name) {
    var el = root.querySelector('[data-chart="' + name + '"]');
    if (!el) {
      return null;
    }
    var instance = window.echarts.init(el);
    charts.push(instance);
    return instance;
  }

  function empty(instance) {
    instance.setOption({ title: { text: "—", left: "center", top: "middle", textStyle: { color: "#999" } } });
  }

  function render(data) {
    var trend = chart("trend");
    if (trend) {
      if (!data.trend.years.length) {
        empty(trend);
      } else {
        trend.setOption({
          tooltip: { trigger: "axis" },
          legend: { type: "scroll", bottom: 0 },
          grid: { left: 48, right: 48, top: 24, bottom: 56 },
          xAxis: { type: "category", data: data.trend.years },
          yAxis: [
            { type: "value", name: "", minInterval: 1 },
            { type: "value", name: "/10k", splitLine: { show: false } }
          ],
          series: data.trend.series.map(function (s) {
            return { name: s.name, type: s.per_10k ? "line" : "bar", yAxisIndex: s.per_10k ? 1 : 0, data: s.values, connectNulls: false };
          })
        });
      }
    }
    var composition = chart("composition");
    if (composition) {
      if (!data.composition.length) {
        empty(composition);
      } else {
        composition.setOption({
          tooltip: { trigger: "item" },
          legend: { bottom: 0 },
          series: [{ type: "pie", radius: ["40%", "70%"], data: data.composition }]
        });
      }
    }
    var holders = chart("holders");
    if (holders) {
      if (!data.holders.names.length) {
        empty(holders);
      } else {
        holders.setOption({
          tooltip: { trigger: "axis" },
          grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
          xAxis: { type: "value", minInterval: 1 },
          yAxis: { type: "category", data: data.holders.names, axisLabel: { width: 160, overflow: "truncate" } },
          series: [{ type: "bar", data: data.holders.values }]
        });
      }
    }
    var streets = chart("streets");
    if (streets) {
      if (!data.streets.names.length) {
        empty(streets);
      } else {
        streets.setOption({
          tooltip: { trigger: "axis" },
          legend: { bottom: 0 },
          grid: { left: 8, right: 8, top: 16, bottom: 40, containLabel: true },
          xAxis: { type: "category", data: data.streets.names, axisLabel: { rotate: 40 } },
          yAxis: { type: "value", minInterval: 1 },
          series: data.streets.series.map(function (s) { return { name: s.name, type: "bar", data: s.values }; })
        });
      }
    }
  }

  fetch(root.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
    .then(render)
    .catch(function () {
      root.querySelectorAll("[data-chart]").forEach(function (el) { el.textContent = "—"; });
    });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
