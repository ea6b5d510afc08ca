// The housekeeping tablet page (templates/rooms/housekeeping.html): when the list refreshes itself,
// and what a tap that did not get through says.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var list = document.getElementById("hk-list");
    if (!list) return;
    // Polling keeps the session alive, so it stops halfway to the idle timeout: an untouched tablet
    // then signs out by itself; the next touch refreshes at once (or goes to the sign-in page).
    var idleMs = Number(list.dataset.idleSeconds) * 1000 / 2;
    var loginPath = list.dataset.loginUrl;
    var lastTouch = Date.now();
    var asleep = false;

    function touched() {
      if (asleep && window.htmx) window.htmx.trigger(list, "hk-wake");
      asleep = false;
      lastTouch = Date.now();
    }
    ["pointerdown", "keydown"].forEach(function (name) {
      document.addEventListener(name, touched, { passive: true, capture: true });
    });

    // Skip a refresh while the tablet sleeps or someone is typing an out-of-order reason.
    list.addEventListener("hotel:before-poll", function (evt) {
      if (Date.now() - lastTouch > idleMs) {
        asleep = true;
        evt.preventDefault();
      } else if (list.querySelector("details[open]")) {
        evt.preventDefault();
      }
    });

    // A tap that did not get through says so on its card (htmx 2 swaps nothing on 4xx/5xx or no network).
    function notSaved(evt, message) {
      var card = evt.detail.elt && evt.detail.elt.closest(".hk-card");
      if (!card) return;
      var note = card.querySelector(".hk-feedback--net") || document.createElement("p");
      note.className = "hk-feedback hk-feedback--error hk-feedback--net";
      note.setAttribute("role", "alert");
      note.textContent = message;
      card.querySelector(".hk-actions").before(note);
    }
    document.body.addEventListener("htmx:responseError", function (evt) {
      notSaved(evt, "Not saved (error " + evt.detail.xhr.status + "). Reload the page and tap again.");
    });
    document.body.addEventListener("htmx:sendError", function (evt) {
      notSaved(evt, "Not saved: no connection to the hotel system. Tap again in a moment.");
    });
    // A tablet whose session ran out gets the sign-in page: go there instead of swapping it into a card.
    document.body.addEventListener("htmx:beforeSwap", function (evt) {
      var url = evt.detail.xhr && evt.detail.xhr.responseURL;
      if (url && loginPath && new URL(url).pathname === loginPath) {
        evt.detail.shouldSwap = false;
        window.location.assign(url);
      }
    });
  });
})();
