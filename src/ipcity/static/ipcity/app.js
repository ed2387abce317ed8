// ipcity: behaviour shared by every page. No inline scripts, so a strict CSP stays possible.
(function () {
  "use strict";
  // Confirm buttons: <button data-confirm="Are you sure?">.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  // A checkbox that must be ticked before a button works: <input data-enables="#button-id">.
  function syncEnables(box) {
    var target = document.querySelector(box.getAttribute("data-enables"));
    if (target) {
      target.disabled = !box.checked;
    }
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("input[data-enables]")) {
      syncEnables(event.target);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-enables]").forEach(syncEnables);
  });
  // Filter forms submit on change of a select, so lists follow the choice immediately.
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form && event.target.tagName === "SELECT") {
      form.requestSubmit();
    }
  });
  // Forms that create records submit once: the button is disabled after the first click (the
  // server refuses a repeat of the same form token anyway, core/once.py).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.querySelector("input[name=_once]")) {
      return;
    }
    if (form.dataset.sent === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
      b.setAttribute("aria-disabled", "true");
      b.classList.add("disabled");
    });
  });
})();
