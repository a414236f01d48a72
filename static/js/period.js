// The year and period pickers: another year chosen without choosing its period opens that year
// where its page opens by itself (the entry page on the quarter being collected there), not on
// the same quarter of the other year, which may long be closed.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (!form || !form.querySelector("[name=quarter]")) { return; }
    if (event.target.name === "year") { form.dataset.yearChanged = "1"; }
    if (event.target.name === "quarter") { delete form.dataset.yearChanged; }
  });
  document.addEventListener("submit", function (event) {
    var quarter = event.target.querySelector("[name=quarter]");
    if (quarter && event.target.dataset.yearChanged) { quarter.disabled = true; }
  });
})();
