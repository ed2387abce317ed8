// The utilization overview's five-year trend: data from the json_script element named in
// data-source, counts as bars on the left axis, amounts (10k yuan) as lines on the right.
// No inline script, so a strict CSP stays possible.
(function () {
  "use strict";
  var el = document.getElementById("utilization-trend");
  if (!el || !window.echarts) {
    return;
  }
  var source = document.getElementById(el.getAttribute("data-source"));
  var data;
  try {
    data = JSON.parse(source.textContent);
  } catch (e) {
    el.textContent = "—";
    return;
  }
  var chart = window.echarts.init(el);
  if (!data.series.length) {
    chart.setOption({ title: { text: "—", left: "center", top: "middle", textStyle: { color: "#999" } } });
    return;
  }
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", bottom: 0 },
    grid: { left: 48, right: 64, top: 32, bottom: 56 },
    xAxis: { type: "category", data: data.years },
    yAxis: [
      { type: "value", minInterval: 1 },
      { type: "value", name: data.amount_unit, splitLine: { show: false } }
    ],
    series: data.series.map(function (s) {
      return {
        name: s.name,
        type: s.amount ? "line" : "bar",
        yAxisIndex: s.amount ? 1 : 0,
        data: s.values
      };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
