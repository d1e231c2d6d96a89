// The review form: warns while the author types when the title or text
// holds contact details (a phone number, an e-mail address, a web
// address), which send a review to moderation instead of publishing it.
// The rules mirror CONTACT_PATTERN in reviews/services/reviews.py, which
// decides (tests/browser/test_review_form.py runs both on the same samples);
// this is only a hint. Without JavaScript the form works the same.
(function () {
  "use strict";
  // Python's \w, \d and \b on text, written for JavaScript (Unicode aware).
  var W = "\\p{L}\\p{N}_";
  var START = "(?<![" + W + "])";
  var END = "(?![" + W + "])";
  var KINDS = [
    ["phone", new RegExp("(?:\\+33\\s?|" + START + "0)[1-9](?:[\\s.\\-]?\\p{Nd}{2}){4}" + END, "iu")],
    ["email", new RegExp("[" + W + ".+\\-]+@[" + W + "\\-]+\\.[" + W + ".]+", "iu")],
    [
      "web",
      new RegExp(
        START + "https?://|" + START + "www\\.\\S+|" +
          START + "[" + W + "\\-]+\\.(?:fr|com|net|org|io)" + END,
        "iu"
      ),
    ],
  ];

  // "phone", "email", "web" or "" for a text without contact details.
  function contactDetails(text) {
    for (var i = 0; i < KINDS.length; i++) {
      if (KINDS[i][1].test(text)) {
        return KINDS[i][0];
      }
    }
    return "";
  }
  window.plusQueProContactDetails = contactDetails;

  var warning = document.getElementById("contact-warning");
  var title = document.getElementById("id_title");
  var text = document.getElementById("id_text");
  if (!warning || !text) {
    return;
  }
  var shown = null;
  function check() {
    var kind = contactDetails((title ? title.value : "") + " " + text.value);
    if (kind === shown) {
      return; // the live region speaks only when the message changes
    }
    shown = kind;
    warning.textContent = kind ? warning.dataset[kind] : "";
    warning.classList.toggle("is-shown", Boolean(kind));
  }
  text.addEventListener("input", check);
  if (title) {
    title.addEventListener("input", check);
  }
  check();
})();
