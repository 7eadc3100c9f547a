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
    window.Plotly.newPlot(target, figure.data, figure.layout, {displayModeBar: false, responsive: true});
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
