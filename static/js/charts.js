// Draws every chart whose data the page carries in a <script type="application/json"> element
// (Django's json_script). No inline script: the page's Content-Security-Policy allows 'self' only.
// Numbers arrive as decimal strings; they are parsed here for drawing only, the table beside
// each chart shows the exact values.
(function () {
  "use strict";
  var root = document.documentElement;
  // The page's colours, and the high-contrast mode's (static/css/app.css: white text on black):
  // text and axes white (21:1), each line or bar a light colour of at least 9:1 on black.
  var themes = {
    normal: { text: "#595959", grid: "rgba(0, 0, 0, 0.1)",
              palette: ["#0a58a8", "#8a5300", "#5c636a", "#146c43", "#b02a37"] },
    contrast: { text: "#ffffff", grid: "rgba(255, 255, 255, 0.45)",
                palette: ["#ffeb3b", "#4fc3f7", "#ffffff", "#69f0ae", "#ff8a80"] }
  };
  function theme() { return root.classList.contains("high-contrast") ? themes.contrast : themes.normal; }
  // A bar's name on as many short lines as it needs: every bar keeps its name on a phone too.
  function wrap(label) {
    var lines = [], line = "";
    String(label).split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > 18) { lines.push(line); line = word; } else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines.length > 1 ? lines : label;
  }
  // Colours a chart's configuration (before it is drawn) or a chart drawn already (chart.options).
  function paint(data, options) {
    var colours = theme();
    data.datasets.forEach(function (set, i) {
      var colour = colours.palette[i % colours.palette.length];
      set.borderColor = set.backgroundColor = set.pointBackgroundColor = set.pointBorderColor = colour;
    });
    options.color = colours.text;
    options.plugins.legend.labels.color = colours.text;
    Object.keys(options.scales).forEach(function (axis) {
      var scale = options.scales[axis];
      ["ticks", "grid", "border"].forEach(function (part) { if (!scale[part]) { scale[part] = {}; } });
      scale.ticks.color = colours.text;
      scale.grid.color = colours.grid;
      scale.border.color = colours.text;
    });
  }
  var charts = [];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var bars = spec.type === "bar";
    spec.datasets.forEach(function (set, i) {
      set.data = set.data.map(function (v) { return v === null ? null : parseFloat(v); });
      set.spanGaps = false;
      if (spec.type === "line" && i > 0) { set.borderDash = [6, 4]; }
    });
    // Bars by unit lie across the page, one named row each, however many units and however long
    // their names: upright on a phone, Chart.js would drop every other name to make them fit.
    var names = bars ? { autoSkip: false } : {};
    var scales = bars ? { x: { beginAtZero: true }, y: { ticks: names } } : { x: {}, y: { beginAtZero: false } };
    var labels = bars ? spec.labels.map(wrap) : spec.labels;
    if (bars) {  // room for each bar's name, on as many lines as the longest takes
      var lines = Math.max.apply(null, labels.map(function (l) { return Array.isArray(l) ? l.length : 1; }).concat([1]));
      canvas.parentElement.style.height = Math.max(260, spec.labels.length * (14 * lines + 12) + 80) + "px";
    }
    var data = { labels: labels, datasets: spec.datasets };
    var options = {
      responsive: true, maintainAspectRatio: false, animation: false,
      indexAxis: bars ? "y" : "x",
      locale: root.lang === "vi" ? "vi-VN" : "en-GB",
      plugins: { legend: { position: "bottom", labels: {} }, colors: { enabled: false } },
      scales: scales
    };
    paint(data, options);
    charts.push(new Chart(canvas, { type: spec.type, data: data, options: options }));
  });
  // The contrast switch (static/js/a11y.js) changes the page's class without reloading it: the
  // charts follow it.
  var contrast = root.classList.contains("high-contrast");
  new MutationObserver(function () {
    if (root.classList.contains("high-contrast") === contrast) { return; }
    contrast = !contrast;
    charts.forEach(function (chart) { paint(chart.data, chart.options); chart.update(); });
  }).observe(root, { attributes: true, attributeFilter: ["class"] });
})();
