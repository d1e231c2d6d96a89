// City autocomplete: fills the <datalist> of any input carrying
// data-autocomplete-url with suggestions from the gazetteer.
(function () {
  "use strict";
  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      var value = input.value.trim();
      if (value.length < 2 || value === last) return;
      clearTimeout(timer);
      timer = setTimeout(function () {
        last = value;
        fetch(input.dataset.autocompleteUrl + "?q=" + encodeURIComponent(value), {
          headers: { Accept: "application/json" },
        })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) {
            list.replaceChildren();
            data.results.forEach(function (place) {
              var option = document.createElement("option");
              option.value = place.label;
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are a convenience only */ });
      }, 150);
    });
  }
  document.querySelectorAll("input[data-autocomplete-url]").forEach(attach);
})();
