/* Bar charts of a survey's results (templates/screening/survey_results.html).
   Data comes from the page's <script type="application/json" id="survey-charts">; each chart
   draws into the <canvas> with its id. The tables next to the charts carry the same numbers
   for screen readers and for printing. No inline script: the CSP allows only files. */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("survey-charts");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var charts = JSON.parse(source.textContent);
    charts.forEach(function (chart) {
      var canvas = document.getElementById(chart.id);
      if (!canvas) {
        return;
      }
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: chart.labels,
          datasets: [{ data: chart.counts, backgroundColor: "#0d6efd" }]
        },
        options: {
          indexAxis: "y",
          animation: false,
          plugins: { legend: { display: false } },
          scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
        }
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
