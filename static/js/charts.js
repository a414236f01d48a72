// Draws every chart whose data the page carries in a <script type="application/json"> element
// (Django's json_script). No inline script: the page's Content-Security-Policy allows 'self' only.
// Numbers arrive as decimal strings; they are parsed here for drawing only, the table beside
// each chart shows the exact values.
(function () {
  "use strict";
  var palette = ["#0a58a8", "#8a5300", "#5c636a", "#146c43", "#b02a37"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    spec.datasets.forEach(function (set, i) {
      set.data = set.data.map(function (v) { return v === null ? null : parseFloat(v); });
      set.borderColor = palette[i % palette.length];
      set.backgroundColor = palette[i % palette.length];
      set.spanGaps = false;
      if (spec.type === "line" && i > 0) { set.borderDash = [6, 4]; }
    });
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        locale: document.documentElement.lang === "vi" ? "vi-VN" : "en-GB",
        plugins: { legend: { position: "bottom" } },
        scales: { y: { beginAtZero: spec.type === "bar" } }
      }
    });
  });
})();
