// Draws the plotly chart whose figure the page embeds as JSON in #district-chart-data.
(function () {
  "use strict";
  function draw() {
    var data = document.getElementById("district-chart-data");
    var target = document.getElementById("district-chart");
    if (!data || !target || !window.Plotly) {
      return;
    }
    var figure = JSON.parse(data.textContent);
    if (target.clientWidth < 600) {
      // on a phone the bars are too narrow for their labels; the table below has every figure
      figure.data.forEach(function (trace) { trace.textposition = "none"; });
      figure.layout.height = 300;
      figure.layout.margin = {l: 40, r: 8, t: 16, b: 70};
    }
    window.Plotly.newPlot(target, figure.data, figure.layout, {displayModeBar: false, responsive: true});
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
