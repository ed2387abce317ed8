// Bar charts of an overview page: the element [data-bar-charts] names (data-source) the
// json_script element holding {name: {names: [...], series: [{name, data: [{value, url}],
// axis}]}}; each [data-chart="name"] on the page draws that entry. Each bar carries the URL of
// the list behind it; clicking a bar opens that list. Used by the services and incentives
// overviews. No inline script, so a strict CSP stays possible.
(function () {
  "use strict";
  var root = document.querySelector("[data-bar-charts]");
  if (!root || !window.echarts) {
    return;
  }
  var source = document.getElementById(root.getAttribute("data-source"));
  var data;
  try {
    data = JSON.parse(source.textContent);
  } catch (e) {
    return;
  }
  var charts = [];

  function total(series) {
    return series.reduce(function (sum, s) {
      return sum + s.data.reduce(function (acc, p) { return acc + (p.value || 0); }, 0);
    }, 0);
  }

  function draw(name) {
    var spec = data[name];
    var el = document.querySelector('[data-chart="' + name + '"]');
    if (!spec || !el) {
      return;
    }
    var chart = window.echarts.init(el);
    charts.push(chart);
    chart.on("click", function (params) {
      if (params.data && params.data.url) {
        window.location.href = params.data.url;
      }
    });
    if (!total(spec.series)) {
      chart.setOption({ title: { text: "—", left: "center", top: "middle", textStyle: { color: "#999" } } });
      return;
    }
    var twoAxes = spec.series.some(function (s) { return s.axis === 1; });
    var valueAxis = { type: "value", minInterval: 1 };
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 8, right: 16, top: 16, bottom: 40, containLabel: true },
      xAxis: { type: "category", data: spec.names, axisLabel: { interval: 0, rotate: spec.names.length > 5 ? 30 : 0, width: 90, overflow: "truncate" } },
      yAxis: twoAxes ? [valueAxis, { type: "value", minInterval: 1 }] : valueAxis,
      series: spec.series.map(function (s) {
        return { name: s.name, type: "bar", data: s.data, yAxisIndex: s.axis || 0, cursor: "pointer" };
      })
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (el) {
    draw(el.getAttribute("data-chart"));
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
