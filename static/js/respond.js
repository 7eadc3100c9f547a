// The questionnaire page: progress, character counters and autosave of the draft.
// Everything here is an enhancement; the form works the same without it.
(function () {
  "use strict";

  var AUTOSAVE_DELAY_MS = 20000;
  var form = document.querySelector("form.respond-form");
  if (!form) {
    return;
  }

  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }

  var answered = form.querySelector("[data-answered]");
  var progress = form.querySelector(".respond-status progress");

  function showProgress() {
    var names = {};
    form.querySelectorAll("table.likert input[type=radio]:checked").forEach(function (radio) {
      names[radio.name] = true;
    });
    var count = Object.keys(names).length;
    answered.textContent = count;
    progress.value = count;
  }

  form.querySelectorAll("[data-counter-for]").forEach(function (counter) {
    var area = document.getElementById(counter.getAttribute("data-counter-for"));
    var limit = area.maxLength;
    function showCount() {
      var length = area.value.replace(/\r\n/g, "\n").length;
      counter.textContent = counter.getAttribute("data-template")
        .replace("{count}", length).replace("{limit}", limit);
      counter.classList.toggle("near-limit", length > limit * 0.9);
    }
    area.addEventListener("input", showCount);
    showCount();
  });

  var autosaveUrl = form.getAttribute("data-autosave-url");
  var status = form.querySelector("[data-autosave-status]");
  var timer = null;
  var changed = false;
  var leaving = false;

  function saveDraft(keepalive) {
    clearTimeout(timer);
    timer = null;
    if (!changed || leaving || !autosaveUrl) {
      return;
    }
    changed = false;
    var body = new FormData(form);
    body.delete("action");
    fetch(autosaveUrl, {
      method: "POST", body: body, credentials: "same-origin", keepalive: keepalive,
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (answer) {
        status.textContent = answer.message;
      });
    }).catch(function () {
      changed = true;  // offline or interrupted: try again after the next change
    });
  }

  function answersChanged() {
    changed = true;
    if (timer === null) {
      timer = setTimeout(saveDraft, AUTOSAVE_DELAY_MS, false);
    }
  }

  form.addEventListener("change", function () {
    showProgress();
    answersChanged();
  });
  form.addEventListener("input", answersChanged);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      saveDraft(true);
    }
  });

  // A second click while the first is on its way sends nothing; the server keeps one submission regardless.
  form.addEventListener("submit", function (event) {
    if (leaving) {
      event.preventDefault();
      return;
    }
    leaving = true;
    clearTimeout(timer);
  });
  window.addEventListener("pageshow", function () {
    leaving = false;
  });
})();
