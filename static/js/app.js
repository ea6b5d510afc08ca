// hotelpbx front desk: the little JavaScript the pages need (htmx does the rest).
(function () {
  "use strict";

  // Every htmx request carries the CSRF token of the page (from the csrf-token meta tag).
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) event.detail.headers["X-CSRFToken"] = meta.content;
  });

  // Self-refreshing parts: an element with data-poll-seconds="N" and hx-trigger="poll" gets a "poll"
  // event every N seconds while it is in the page and the tab is visible. A page can skip a round by
  // cancelling the "hotel:before-poll" event (the housekeeping tablet does while someone types).
  // This stands in for htmx's `every Ns [condition]`, whose condition htmx would have to eval.
  function schedulePolling(element) {
    var seconds = Number(element.dataset.pollSeconds);
    if (!(seconds > 0) || element.dataset.pollScheduled) return;
    element.dataset.pollScheduled = "1";
    (function wait() {
      window.setTimeout(function () {
        if (!element.isConnected) return; // swapped out: its replacement polls instead
        var go = document.visibilityState === "visible" &&
          element.dispatchEvent(new CustomEvent("hotel:before-poll", { bubbles: true, cancelable: true }));
        if (go && window.htmx) window.htmx.trigger(element, "poll");
        wait();
      }, seconds * 1000);
    })();
  }
  document.addEventListener("htmx:load", function (event) {
    var root = event.detail.elt;
    if (root.matches && root.matches("[data-poll-seconds]")) schedulePolling(root);
    if (root.querySelectorAll) root.querySelectorAll("[data-poll-seconds]").forEach(schedulePolling);
  });

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

  // "/" puts the cursor in the page's search box (the one marked data-desk-search, else the first
  // search field), unless the user is already typing somewhere.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
    var search = document.querySelector("[data-desk-search]") || document.querySelector('main input[type="search"]');
    var searchPage = document.querySelector("[data-search-url]");
    if (!search && searchPage) {
      event.preventDefault();
      window.location.assign(searchPage.dataset.searchUrl); // pages without a search box: the guest search
      return;
    }
    if (!search) return;
    event.preventDefault();
    search.focus();
    if (search.select) search.select();
  });

  // A [data-print] button prints the page (the registration card).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
  });

  // A board tile says what its colours and marks mean once, in its aria-label (rooms/board_tiles.py);
  // the mouse gets the same words as the tile's tooltip, set when the pointer first comes over it.
  document.addEventListener("mouseover", function (event) {
    var tile = event.target.closest && event.target.closest(".room-grid > a[aria-label]");
    if (tile && !tile.title) tile.title = tile.getAttribute("aria-label");
  });

  // The board's refresh asks "changed since?" with the ETag of what it shows; 304 means keep it.
  // (Pages for signed-in users are never cached by the browser, so the page asks itself.)
  var boardTag = "";
  document.addEventListener("htmx:configRequest", function (event) {
    if (boardTag && event.detail.elt && event.detail.elt.id === "board-body") {
      event.detail.headers["If-None-Match"] = boardTag;
    }
  });
  // (beforeSwap, not afterRequest: the board body is replaced by its answer, and the events of a
  // detached element no longer reach the document)
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr) return;
    if (xhr.status === 304) {
      event.detail.shouldSwap = false;
      return;
    }
    if (event.detail.elt && event.detail.elt.id === "board-body" && xhr.status === 200) {
      boardTag = xhr.getResponseHeader("ETag") || "";
    }
  });
})();
