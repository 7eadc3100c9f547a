/* Draws the result pages' charts from their JSON specs (the CSP allows no inline script) and wires print buttons. */
(function () {
  "use strict";
  var NARROW = 600;  // px: below this a chart drops its toolbar and long labels

  function drawCharts() {
    if (!window.Plotly) {
      return;
    }
    document.querySelectorAll('script.chart-spec[type="application/json"]').forEach(function (spec) {
      var target = document.getElementById(spec.getAttribute("data-target"));
      if (!target) {
        return;
      }
      var figure = JSON.parse(spec.textContent);
      var narrow = target.clientWidth < NARROW;
      if (narrow && figure.narrow) {
        figure.data.forEach(function (trace) { trace.y = figure.narrow.y; });
        Object.assign(figure.layout, figure.narrow.layout);
      }
      window.Plotly.newPlot(target, figure.data, figure.layout, {
        responsive: true, displaylogo: false, displayModeBar: !narrow,
        modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"]
      });
    });
  }

  function wirePrintButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function start() {
    drawCharts();
    wirePrintButtons();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
