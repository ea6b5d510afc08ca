// Alpine components, registered for Alpine's CSP build: it evaluates no attribute strings as code, so a
// template only names a component (x-data="walkIn") and its properties and methods. Values from the
// server come from the page itself (form fields, data- attributes, json_script), never from inside an
// attribute Alpine reads. Loaded before Alpine, which starts as soon as its own script has run.
(function () {
  "use strict";

  document.addEventListener("alpine:init", function () {
    var Alpine = window.Alpine;

    // Walk-in check-in: the new-guest fields show only while no existing guest is picked.
    Alpine.data("walkIn", function () {
      return {
        guest: "",
        init: function () {
          this.readGuest();
        },
        // after the guest search (htmx) replaced the picker, or on first load
        readGuest: function () {
          var select = document.getElementById("id_guest");
          this.guest = select ? select.value : "";
        },
        pickGuest: function (event) {
          if (event && event.target && event.target.name === "guest") this.guest = event.target.value;
        },
        get newGuest() {
          return !this.guest;
        },
      };
    });
  });
})();
