// The trade picker (directory/taxonomy/forms.py): a filter box over the
// checkboxes of trades grouped by sector, and a live count of the trades
// chosen. Without this script the checkboxes work as they are.
(function () {
  "use strict";

  // "Électricien" and "electricien" match; so does "nounou" (a synonym,
  // in each trade's data-terms, already lower-case and accent-free).
  function normalize(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function attach(picker) {
    var search = picker.querySelector("[data-trade-picker-search]");
    var filter = picker.querySelector("[data-trade-picker-filter]");
    var count = picker.querySelector("[data-trade-picker-count]");
    var empty = picker.querySelector("[data-trade-picker-empty]");
    var sectors = Array.prototype.slice.call(picker.querySelectorAll("[data-trade-picker-sector]"));
    var items = Array.prototype.slice.call(picker.querySelectorAll("li[data-terms]"));
    items.forEach(function (item) {
      var label = item.querySelector("label");
      item.dataset.search = normalize(label.textContent) + " " + item.dataset.terms;
    });

    function updateCount() {
      var chosen = items
        .filter(function (item) { return item.querySelector("input").checked; })
        .map(function (item) { return item.querySelector("label").textContent.trim(); });
      var text = chosen.length === 0 ? count.dataset.zero
        : chosen.length === 1 ? count.dataset.one
        : count.dataset.many.replace("{n}", String(chosen.length));
      count.textContent = chosen.length ? text + " — " + chosen.join(", ") : text;
    }

    function applyFilter() {
      var words = normalize(filter.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (item) {
        var match = words.every(function (word) { return item.dataset.search.indexOf(word) !== -1; });
        item.hidden = !match;
        if (match) shown += 1;
      });
      sectors.forEach(function (sector) {
        sector.hidden = !sector.querySelector("li[data-terms]:not([hidden])");
      });
      empty.hidden = shown > 0;
    }

    function firstVisibleBox() {
      var item = picker.querySelector("li[data-terms]:not([hidden])");
      return item ? item.querySelector("input") : null;
    }

    filter.addEventListener("input", applyFilter);
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        // Enter in the filter box would send the whole form.
        event.preventDefault();
        var box = firstVisibleBox();
        if (box) box.focus();
      } else if (event.key === "ArrowDown") {
        var first = firstVisibleBox();
        if (first) {
          event.preventDefault();
          first.focus();
        }
      } else if (event.key === "Escape" && filter.value) {
        event.preventDefault();
        filter.value = "";
        applyFilter();
      }
    });
    picker.addEventListener("change", function (event) {
      if (event.target.type === "checkbox") updateCount();
    });
    search.hidden = false;
    picker.classList.add("is-enhanced");
    updateCount();
  }

  document.querySelectorAll("[data-trade-picker]").forEach(attach);
})();
