// The questionnaire builder: every button sends the whole form, so the page works without this script.
// It adds dragging rows to reorder them, and asks before leaving typed changes unapplied.
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

  // Dragging a row's handle onto another row of the same list moves it there (the ↑ ↓ buttons do the same).
  var dragged = null;
  function dropTarget(event) {
    return dragged && event.target.closest ?
      event.target.closest('[data-list="' + dragged.getAttribute("data-list") + '"]') : null;
  }
  form.querySelectorAll(".drag-handle").forEach(function (handle) {
    handle.addEventListener("dragstart", function (event) {
      dragged = handle.closest("[data-list]");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.getAttribute("data-index"));
      dragged.classList.add("dragging");
    });
    handle.addEventListener("dragend", function () {
      if (dragged) {
        dragged.classList.remove("dragging");
      }
      dragged = null;
    });
  });
  form.addEventListener("dragover", function (event) {
    if (dropTarget(event)) {
      event.preventDefault();
    }
  });
  form.addEventListener("drop", function (event) {
    var target = dropTarget(event);
    if (!target || target === dragged) {
      return;
    }
    event.preventDefault();
    var move = document.createElement("input");
    move.type = "hidden";
    move.name = "action";
    move.value = "move:" + dragged.getAttribute("data-list") + "[" + dragged.getAttribute("data-index") + "]>" +
      target.getAttribute("data-index");
    form.appendChild(move);
    changed = false;
    form.submit();
  });

  var problems = document.getElementById("builder-problems");
  if (problems) {
    problems.focus();
  }
})();
