// Draws the ECharts on monitoring pages from data the page embeds with json_script (CSP: no
// inline scripts). data-chart="volume": daily posts / negative / risky; "timeline": {x, y}.
(function () {
  "use strict";
  function draw(el) {
    var data = JSON.parse(document.getElementById(el.dataset.source).textContent);
    var labels = (el.dataset.labels || "").split("|");
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    var option;
    if (el.dataset.chart === "volume") {
      option = {
        tooltip: { trigger: "axis" },
        legend: { data: labels },
        grid: { left: 40, right: 12, top: 32, bottom: 28 },
        xAxis: { type: "category", data: data.map(function (d) { return d.day.slice(5); }) },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: labels[0], type: "line", data: data.map(function (d) { return d.posts; }) },
          { name: labels[1], type: "line", data: data.map(function (d) { return d.negative; }) },
          { name: labels[2], type: "bar", data: data.map(function (d) { return d.risky; }) }
        ]
      };
    } else {
      option = {
        tooltip: { trigger: "axis" },
        grid: { left: 40, right: 12, top: 16, bottom: 28 },
        xAxis: { type: "category", data: data.x },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ name: labels[0], type: "line", areaStyle: {}, data: data.y }]
      };
    }
    chart.setOption(option);
    el.dataset.drawn = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
})();
