// The quote form (templates/directory/quote_request.html): the phone is
// marked required as soon as "by phone" is ticked (the server checks it
// too), and after a refused submission the error summary takes the focus
// so that keyboard and screen-reader users start from it.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
  var group = document.querySelector("[data-phone-switch]");
  var wrapper = document.querySelector("[data-phone-field]");
  if (!group || !wrapper) {
    return;
  }
  var input = wrapper.querySelector("input");
  var mark = wrapper.querySelector("[data-phone-mark]");
  function update() {
    var checked = group.querySelector("input:checked");
    var needed = Boolean(checked && checked.value === "phone");
    input.required = needed;
    input.setAttribute("aria-required", needed ? "true" : "false");
    if (mark) {
      mark.hidden = !needed;
    }
  }
  group.addEventListener("change", update);
  update();
})();
