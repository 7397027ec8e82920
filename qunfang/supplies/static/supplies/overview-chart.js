/* The supplies overview chart: pieces received and distributed per category. Data comes
   from the page's json_script block (CSP allows no inline script). */
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("supplies-chart");
    var source = document.getElementById("supplies-chart-data");
    if (!holder || !source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    if (!data.categories.length) { holder.hidden = true; return; }
    var chart = echarts.init(holder, null, { renderer: "svg" });
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [data.labels.received, data.labels.distributed] },
      grid: { left: 8, right: 8, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.categories },
      yAxis: { type: "value" },
      series: [
        { name: data.labels.received, type: "bar", data: data.received },
        { name: data.labels.distributed, type: "bar", data: data.distributed }
      ]
    });
    holder.setAttribute("data-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
