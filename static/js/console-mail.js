// Follows a mail batch: polls its progress endpoint and updates the counts; when the batch changes state
// (started, waiting to retry, finished, failed) it reloads once so the page words the new state and lists the
// failed deliveries. The batch runs in a worker; leaving or reloading the page does not stop it.
(function () {
  "use strict";
  var box = document.getElementById("batch-progress");
  if (!box || box.getAttribute("data-finished") === "true") {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var state = box.getAttribute("data-state");
  function field(name) {
    return box.querySelector('[data-field="' + name + '"]');
  }
  function show(progress) {
    ["total", "sent", "failed", "pending", "skipped"].forEach(function (name) {
      if (field(name)) {
        field(name).textContent = progress[name];
      }
    });
    var bar = field("done");
    bar.max = progress.total;
    bar.value = progress.sent + progress.failed + progress.skipped;
  }
  function poll() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (progress) {
        show(progress);
        if (progress.finished || progress.state !== state) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 500);
})();
