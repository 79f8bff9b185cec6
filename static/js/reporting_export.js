/* Progress bars of background exports (templates/reporting/export_job*.html).
   The CSP forbids inline styles in the markup, so the bar's width travels in data-progress
   and is set here, on load and after every htmx refresh of the fragment (htmx polls the job
   page every second until it is done). */
(function () {
  "use strict";
  function paint(root) {
    var bars = (root || document).querySelectorAll("[data-progress]");
    bars.forEach(function (bar) {
      var value = parseInt(bar.getAttribute("data-progress"), 10);
      if (isNaN(value)) {
        return;
      }
      bar.style.width = Math.max(0, Math.min(100, value)) + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    paint(document);
  });
  // "htmx:load" fires on content htmx has just inserted (the outerHTML swap replaces the
  // element that asked, so events on the old one would not reach the document).
  document.addEventListener("htmx:load", function () {
    paint(document);
  });
})();
