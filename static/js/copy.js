// Copy buttons: a button with data-copy-target="<id of an input>" copies
// that input's value and says so in the nearby [data-copy-status] (a live
// region). The button is hidden without JS: the value stays selectable.
// When the browser refuses the clipboard (no focus, no permission), the
// older command is tried, else the value is selected for the person to copy.
(function () {
  "use strict";
  function say(button, text) {
    var status = button.parentElement.querySelector("[data-copy-status]");
    if (status) status.textContent = text;
  }
  function fallback(button, field) {
    field.focus();
    field.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    say(button, button.getAttribute(copied ? "data-copied-text" : "data-failed-text") || "");
  }
  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(
          function () {
            say(button, button.getAttribute("data-copied-text") || "");
          },
          function () {
            fallback(button, field);
          }
        );
      } else {
        fallback(button, field);
      }
    });
  });
})();
