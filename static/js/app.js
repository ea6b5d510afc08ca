// hotelpbx front desk: the little JavaScript the pages need (htmx does the rest).
(function () {
  "use strict";

  // Refresh the board at once when the tab becomes visible again (polling pauses while hidden).
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && window.htmx && document.getElementById("board-body")) {
      window.htmx.trigger(document.body, "board-refresh");
    }
  });

  // A board that cannot reach the server says so instead of silently showing old data.
  document.addEventListener("htmx:sendError", function () {
    document.body.classList.add("board-stale");
    var note = document.getElementById("connection-note");
    if (!note) {
      note = document.createElement("div");
      note.id = "connection-note";
      note.className = "alert alert-warning position-fixed bottom-0 end-0 m-3 py-2 shadow-sm";
      note.setAttribute("role", "status");
      note.textContent = "Connection lost: this page may be out of date. Retrying…";
      document.body.appendChild(note);
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) {
      document.body.classList.remove("board-stale");
      var note = document.getElementById("connection-note");
      if (note) note.remove();
    }
  });

  // Buttons marked data-confirm ask before they post (e.g. "back in service").
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // A form posts once: a second click while the first is on its way does nothing.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("hx-post") || form.hasAttribute("hx-get") || form.method.toLowerCase() !== "post") return;
    if (form.dataset.submitted === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitted]").forEach(function (form) { delete form.dataset.submitted; });
  });
})();
