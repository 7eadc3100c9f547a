// Copy buttons (the CSP allows no inline script): a button with data-copy="ID" copies the value or text of the
// element with that id and says so in the element marked data-copy-status="ID".
(function () {
  "use strict";
  function say(id, text) {
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    if (status) {
      status.textContent = text;
    }
  }
  function copyBySelection(source) {
    source.focus();
    source.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) {
      return;
    }
    var id = button.getAttribute("data-copy");
    var source = document.getElementById(id);
    if (!source) {
      return;
    }
    var text = "value" in source ? source.value : source.textContent;
    var copied = button.getAttribute("data-copied");
    var failed = button.getAttribute("data-failed");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () {
        say(id, copied);
      }, function () {
        say(id, copyBySelection(source) ? copied : failed);
      });
    } else {
      say(id, copyBySelection(source) ? copied : failed);
    }
  });
})();
