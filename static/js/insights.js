// Insights: a click on a doughnut slice opens that category's children, the
// same request as the link in the table beside the chart (so the URL and
// history follow, and it works without the chart too).
(function () {
  "use strict";
  document.addEventListener("chart:select", function (event) {
    const canvas = event.target;
    const drill = canvas.chartData && canvas.chartData.drill;
    const id = drill && drill[event.detail.index];
    if (!id || !canvas.dataset.drillUrl) return;
    const url = canvas.dataset.drillUrl + id;
    htmx.ajax("GET", url, { target: "#report", swap: "outerHTML" }).then(function () {
      history.pushState({}, "", url);
    });
  });
})();
