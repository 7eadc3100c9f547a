// The questionnaire builder: every button sends the whole form, so the page works without this script.
// It only guards typed changes: leaving the page before they are applied asks first.
(function () {
  "use strict";

  var form = document.querySelector("form.builder");
  if (!form) {
    return;
  }
  var changed = false;
  form.addEventListener("input", function () {
    changed = true;
  });
  form.addEventListener("submit", function () {
    changed = false;
  });
  window.addEventListener("beforeunload", function (event) {
    if (changed) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  var problems = document.getElementById("builder-problems");
  if (problems) {
    problems.focus();
  }
})();
