/* Draws every [data-chart-source] element from the JSON that the page embedded with json_script:
   {years: [...], series: [{name, data: [...]}]}. Pages carry data only; drawing lives here. */
(function () {
  "use strict";
  function draw(el) {
    var source = document.getElementById(el.dataset.chartSource);
    if (!source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var stacked = el.dataset.chartKind === "stacked-bar";
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 32, bottom: 24 },
      xAxis: { type: "category", data: data.years },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.map(function (s) {
        return { name: s.name, type: "bar", stack: stacked ? "total" : undefined, data: s.data };
      }),
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function init() {
    document.querySelectorAll("[data-chart-source]").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
