// Follows a job for its page: polls the job's state. A report or export build: when it is done, shows the link and
// starts the download (the same address now serves the stored file); when it failed, says so. A page marked
// data-reload-when-finished (a response import) is loaded again once the job has finished, to show its outcome.
(function () {
  "use strict";
  var box = document.getElementById("report-build");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector('[data-field="progress"]');
  function show(state) {
    box.setAttribute("data-state", state);
    Array.prototype.forEach.call(box.querySelectorAll("[data-when]"), function (element) {
      var when = element.getAttribute("data-when");
      element.hidden = !(when === state || (when === "working" && (state === "queued" || state === "running")));
    });
  }
  function poll() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (job) {
        bar.max = job.total || 2;
        bar.value = job.done;
        show(job.state);
        if (box.hasAttribute("data-reload-when-finished") && (job.state === "done" || job.state === "failed")) {
          window.location.reload();
        } else if (job.state === "done") {
          window.location.assign(document.getElementById("report-download").getAttribute("href"));
        } else if (job.state !== "failed") {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 3000);
      });
  }
  window.setTimeout(poll, 500);
})();
