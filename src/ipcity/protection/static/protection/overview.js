// The protection overview's charts: data from the json_script element named in data-source
// (cases per month, by right type, fines by agency). Each bar carries the URL of the list behind
// it; clicking a bar opens that list. No inline script, so a strict CSP stays possible.
(function () {
  "use strict";
  var root = document.getElementById("protection-overview");
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

  function init(name) {
    var el = root.querySelector('[data-chart="' + name + '"]');
    if (!el) {
      return null;
    }
    var instance = window.echarts.init(el);
    charts.push(instance);
    instance.on("click", function (params) {
      if (params.data && params.data.url) {
        window.location.href = params.data.url;
      }
    });
    return instance;
  }

  function empty(instance) {
    instance.setOption({ title: { text: "—", left: "center", top: "middle", textStyle: { color: "#999" } } });
  }

  function total(points) {
    return points.reduce(function (sum, p) { return sum + (p.value || 0); }, 0);
  }

  // Counts step by whole numbers; amounts (fines) do not. Horizontal charts list top-down.
  function bars(instance, names, series, horizontal, amounts) {
    var category = {
      type: "category",
      data: names,
      inverse: !!horizontal,
      axisLabel: { width: 140, overflow: "truncate" }
    };
    var value = amounts ? { type: "value" } : { type: "value", minInterval: 1 };
    instance.setOption({
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 8, right: 16, top: 16, bottom: 40, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: series.map(function (s) {
        return { name: s.name, type: "bar", data: s.data, cursor: "pointer" };
      })
    });
  }

  var months = init("months");
  if (months) {
    if (!total(data.months.opened) && !total(data.months.closed)) {
      empty(months);
    } else {
      bars(months, data.months.names, [
        { name: data.labels.opened, data: data.months.opened },
        { name: data.labels.closed, data: data.months.closed }
      ]);
    }
  }
  var types = init("right_types");
  if (types) {
    if (!total(data.right_types.opened) && !total(data.right_types.closed)) {
      empty(types);
    } else {
      bars(types, data.right_types.names, [
        { name: data.labels.opened, data: data.right_types.opened },
        { name: data.labels.closed, data: data.right_types.closed }
      ], true);
    }
  }
  var fines = init("fines");
  if (fines) {
    if (!total(data.fines.values)) {
      empty(fines);
    } else {
      bars(fines, data.fines.names, [{ name: data.labels.fines, data: data.fines.values }], true, true);
    }
  }
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
