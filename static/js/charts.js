// Charts from server data: each <canvas data-chart="ID"> is drawn from the
// JSON in <script id="ID" type="application/json">. Amounts arrive as decimal
// strings (exact); they become numbers only to size bars and slices, and are
// formatted as money from the original strings. Charts are redrawn after
// every htmx swap; a click on a slice or bar is announced as a "chart:select"
// event on the canvas ({index}) for the page's own script to act on. People
// who ask for reduced motion get charts without animation.
(function () {
  "use strict";
  const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
  const drawn = new Map();

  function formatMoney(text) {
    return text === null || text === undefined ? "—" : money.format(text);
  }

  // Children of one parent often share its color: give repeats lighter or darker shades.
  function distinct(colors) {
    const seen = {};
    return colors.map(function (color) {
      const n = (seen[color] = (seen[color] || 0) + 1) - 1;
      if (!n) return color;
      const mix = n % 2 ? "white" : "black";
      const share = Math.min(15 + 12 * Math.ceil(n / 2), 70);
      return "color-mix(in srgb, " + color + " " + (100 - share) + "%, " + mix + ")";
    });
  }

  function resolve(color, canvas) {
    // Canvas needs concrete colors: let the browser compute color-mix() for us.
    canvas.style.color = color;
    return getComputedStyle(canvas).color;
  }

  function config(data, canvas) {
    const numbers = function (values) {
      return values.map(function (v) { return v === null ? null : Number(v); });
    };
    const tooltip = function (ctx) {
      const raw = data.datasets[ctx.datasetIndex].data[ctx.dataIndex];
      const shown = data.datasets[ctx.datasetIndex].percent ? raw + "%" : formatMoney(raw);
      return (ctx.dataset.label ? ctx.dataset.label + ": " : "") + shown;
    };
    const onClick = function (event, elements) {
      if (!elements.length) return;
      canvas.dispatchEvent(new CustomEvent("chart:select", { bubbles: true, detail: { index: elements[0].index } }));
    };
    const moneyAxis = { ticks: { callback: function (v) { return money.format(v); } } };
    if (data.type === "doughnut") {
      const set = data.datasets[0];
      return {
        type: "doughnut",
        data: { labels: data.labels, datasets: [{ label: set.label, data: numbers(set.data),
          backgroundColor: distinct(set.colors).map(function (c) { return resolve(c, canvas); }) }] },
        options: { maintainAspectRatio: false, onClick: onClick,
          plugins: { legend: { position: "right" }, tooltip: { callbacks: { label: tooltip } } } },
      };
    }
    const datasets = data.datasets.map(function (set) {
      const color = resolve(set.colors[0], canvas);
      if (set.percent) {
        return { type: "line", label: set.label, data: numbers(set.data), borderColor: color,
          backgroundColor: color, yAxisID: "rate", spanGaps: true };
      }
      return { type: "bar", label: set.label, data: numbers(set.data), backgroundColor: color };
    });
    const stacked = data.type === "stacked";
    const scales = { x: { stacked: stacked }, y: Object.assign({ stacked: stacked }, moneyAxis) };
    if (data.datasets.some(function (set) { return set.percent; })) {
      scales.rate = { position: "right", grid: { drawOnChartArea: false },
        ticks: { callback: function (v) { return v + "%"; } } };
    }
    return {
      type: "bar",
      data: { labels: data.labels, datasets: datasets },
      options: { maintainAspectRatio: false, onClick: onClick, scales: scales,
        interaction: { mode: "index", intersect: false },
        plugins: { tooltip: { callbacks: { label: tooltip } } } },
    };
  }

  function drawAll() {
    if (typeof Chart === "undefined") return;
    Chart.defaults.animation = !window.matchMedia("(prefers-reduced-motion: reduce)").matches && Chart.defaults.animation;
    drawn.forEach(function (chart, canvas) {
      if (!document.body.contains(canvas)) { chart.destroy(); drawn.delete(canvas); }
    });
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (drawn.has(canvas)) return;
      const source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      const data = JSON.parse(source.textContent);
      canvas.chartData = data;
      drawn.set(canvas, new Chart(canvas, config(data, canvas)));
    });
  }

  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSettle", drawAll);
})();
