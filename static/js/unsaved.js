// A form marked data-warn-unsaved asks before its page is left with typed changes not sent (the
// language switch, a link, the quarter picker, closing the tab): a phone user's long district
// form is not lost to one tap. Sending the form itself is never asked about.
(function () {
  "use strict";
  var dirty = false;
  document.querySelectorAll("form[data-warn-unsaved]").forEach(function (form) {
    // A page shown again after a post that saved nothing (a warning, an error, a conflict) holds
    // unsaved values from the start.
    if (form.hasAttribute("data-unsaved")) { dirty = true; }
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";  // older browsers show their own question only when this is set
    }
  });
})();
