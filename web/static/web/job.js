// Follows a render job live: polls its state every second until it ends, then reloads once so the
// server renders the outcome (download link, or the refusal explained). No framework, no build.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.terminal === "true") { return; }
  var bar = document.getElementById("job-progress");
  var text = document.getElementById("job-progress-text");
  var status = document.getElementById("job-status");
  function poll() {
    fetch(box.dataset.stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        bar.value = state.progress;
        text.textContent = state.progress + "%";
        status.textContent = state.status_label;
        status.dataset.status = state.status;
        if (state.terminal) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
