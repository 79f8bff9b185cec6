/* Dashboard charts (templates/reporting/dashboard_unit.html, dashboard_program.html).
   Data comes from <script type="application/json" id="dashboard-charts">: a list of
   {id, type ("bar" | "line"), labels, series: [{label, data}]}. The data are the cells of the
   table next to the chart, not raw figures: a cell hidden for privacy ("<5", "×") is null and
   draws as a gap. No inline script: the CSP allows only files. */
(function () {
  "use strict";
  var COLORS = ["#0d6efd", "#6f42c1", "#198754", "#fd7e14"];
  function draw() {
    var source = document.getElementById("dashboard-charts");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var charts = JSON.parse(source.textContent);
    charts.forEach(function (chart) {
      var canvas = document.getElementById(chart.id);
      if (!canvas) {
        return;
      }
      var line = chart.type === "line";
      new window.Chart(canvas, {
        type: line ? "line" : "bar",
        data: {
          labels: chart.labels,
          datasets: chart.series.map(function (series, index) {
            var color = COLORS[index % COLORS.length];
            return {
              label: series.label,
              data: series.data,
              backgroundColor: color,
              borderColor: color,
              spanGaps: false,
              tension: 0.2
            };
          })
        },
        options: {
          indexAxis: line ? "x" : "y",
          animation: false,
          plugins: {
            legend: { display: chart.series.length > 1 },
            tooltip: {
              callbacks: {
                label: function (context) {
                  var value = context.raw;
                  return (context.dataset.label ? context.dataset.label + ": " : "") +
                    (value === null ? "—" : value.toLocaleString("vi-VN"));
                }
              }
            }
          },
          scales: line
            ? { y: { beginAtZero: true, ticks: { precision: 0 } } }
            : { x: { beginAtZero: true, ticks: { precision: 0 } } }
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
