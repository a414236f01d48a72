// Text size (A- / A / A+) and high contrast, remembered per browser, like the province's portal.
(function () {
  "use strict";
  var root = document.documentElement;
  var sizes = ["90%", "100%", "115%", "130%"];
  function apply() {
    var size = parseInt(localStorage.getItem("a11y-size") || "1", 10);
    root.style.fontSize = sizes[Math.max(0, Math.min(sizes.length - 1, size))];
    root.classList.toggle("high-contrast", localStorage.getItem("a11y-contrast") === "1");
    var toggle = document.querySelector("[data-a11y=contrast]");
    if (toggle) { toggle.setAttribute("aria-pressed", localStorage.getItem("a11y-contrast") === "1" ? "true" : "false"); }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-a11y]");
    if (!button) { return; }
    var size = parseInt(localStorage.getItem("a11y-size") || "1", 10);
    var action = button.dataset.a11y;
    if (action === "smaller") { localStorage.setItem("a11y-size", String(Math.max(0, size - 1))); }
    if (action === "reset") { localStorage.setItem("a11y-size", "1"); }
    if (action === "larger") { localStorage.setItem("a11y-size", String(Math.min(sizes.length - 1, size + 1))); }
    if (action === "contrast") { localStorage.setItem("a11y-contrast", localStorage.getItem("a11y-contrast") === "1" ? "0" : "1"); }
    apply();
  });
  apply();
  // The language switch comes back to the same place on the page (an indicator's table of units,
  // #by-unit-3), not to the top of a long page: the browser never sends the #fragment itself.
  document.addEventListener("submit", function (event) {
    var next = event.target.matches("[data-language-switch]") && event.target.querySelector("input[name=next]");
    if (next && location.hash && next.value.indexOf("#") < 0) { next.value += location.hash; }
  });
  // A table still wider than its box (a phone, a long word) scrolls sideways in it: the box is then
  // a Tab stop named after its table (its caption, else the heading above it), so a keyboard can
  // scroll it and a screen reader says what it holds. Boxes that say so themselves are left alone.
  function scrollBoxes() {
    document.querySelectorAll("main .table-responsive:not([tabindex])").forEach(function (box) {
      if (box.scrollWidth <= box.clientWidth + 1) { return; }
      var caption = box.querySelector("caption"), heading = box.previousElementSibling;
      var name = caption ? caption.textContent : (heading && /^H[1-6]$/.test(heading.tagName) ? heading.textContent : "");
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      if (name.trim()) { box.setAttribute("aria-label", name.trim()); }
    });
  }
  window.addEventListener("load", scrollBoxes);
  window.addEventListener("resize", scrollBoxes);
  // A form sent back with mistakes: the first field to correct gets the focus, so a keyboard or
  // screen-reader user lands on it rather than at the top of a long page (the alert says why).
  // Without mistakes, a page sent back for a box to tick (data-autofocus: confirming unusual figures,
  // sending without the missing ones) lands on that box, whose description says why; and a page
  // back from an action (data-focus-message) on the message saying what came of it.
  document.addEventListener("DOMContentLoaded", function () {
    var first = document.querySelector("main [aria-invalid=true]") || document.querySelector("main [data-autofocus]");
    if (!first && document.querySelector("main [data-focus-message]")) {
      first = document.querySelector("main > .alert");
      if (first) { first.tabIndex = -1; }
    }
    if (first) { first.focus({preventScroll: true}); first.scrollIntoView({block: "center"}); }
  });
})();
