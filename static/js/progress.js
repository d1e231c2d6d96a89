// Polls an import's progress until it is done, then reloads the page.
(function () {
  "use strict";
  var box = document.getElementById("import-job");
  if (!box) return;
  var bar = document.getElementById("import-progress");
  var done = document.getElementById("import-done");
  var status = document.getElementById("import-status");
  function poll() {
    fetch(box.dataset.url, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        bar.value = data.done;
        done.textContent = Number(data.done).toLocaleString(document.documentElement.lang || undefined);
        status.textContent = data.label;
        if (data.status === "queued" || data.status === "running") {
          setTimeout(poll, 1000);
        } else {
          window.location.reload();  // the server renders the outcome
        }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  if (box.dataset.status === "queued" || box.dataset.status === "running") setTimeout(poll, 500);
})();
