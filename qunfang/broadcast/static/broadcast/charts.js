/* Loudspeaker overview chart: uptime per village or town. Data comes from json_script. */
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("broadcast-chart");
    var source = document.getElementById("broadcast-chart-data");
    if (!holder || !source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(holder, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 12, top: 24, bottom: 64 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: 40 } },
      yAxis: { type: "value", min: 0, max: 100 },
      series: [{ name: data.title, type: "bar", data: data.values, itemStyle: { color: "#2e7d32" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
    holder.setAttribute("data-ready", "1");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
