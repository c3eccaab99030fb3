// Line charts for investments: each <canvas data-line-chart="ID"> is drawn from
// the JSON in <script id="ID" type="application/json"> ({labels, datasets:
// [{label, data, colors}]}). Values arrive as decimal strings (exact) and become
// numbers only to place points; tooltips show the original strings as money.
(function () {
  "use strict";
  const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

  function draw(canvas) {
    const source = document.getElementById(canvas.dataset.lineChart);
    if (!source || canvas.dataset.drawn) return;
    const data = JSON.parse(source.textContent);
    canvas.dataset.drawn = "1";
    const color = getComputedStyle(canvas).getPropertyValue("--chart-line").trim() || "#1565c0";
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (set) {
          return { label: set.label, data: set.data.map(Number), borderColor: set.colors[0] || color,
            backgroundColor: set.colors[0] || color, pointRadius: data.labels.length > 60 ? 0 : 2,
            borderWidth: 1.5, tension: 0 };
        }),
      },
      options: {
        maintainAspectRatio: false, animation: false, normalized: true,
        interaction: { mode: "index", intersect: false },
        scales: { x: { ticks: { maxTicksLimit: 10 } },
          y: { ticks: { callback: function (v) { return money.format(v); } } } },
        plugins: { tooltip: { callbacks: { label: function (ctx) {
          return ctx.dataset.label + ": " + money.format(data.datasets[ctx.datasetIndex].data[ctx.dataIndex]);
        } } } },
      },
    });
  }

  function drawAll() {
    if (typeof Chart === "undefined") return;
    document.querySelectorAll("canvas[data-line-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSettle", drawAll);
})();
