// Small behaviours every page may use, declared by data attributes in the
// templates (no inline script or handler: the Content-Security-Policy
// allows scripts from our own static files only).
(function () {
  "use strict";
  // <select data-autosubmit>: choosing an option sends its form (the
  // language picker); a <noscript> button does it without JavaScript.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
  // <details data-fold-below="860">: folded on screens narrower than that
  // many pixels (search filters: results come first on small screens).
  document.querySelectorAll("details[data-fold-below]").forEach(function (details) {
    var width = parseInt(details.dataset.foldBelow, 10);
    if (window.matchMedia("(max-width: " + width + "px)").matches) {
      details.removeAttribute("open");
    }
  });
})();
