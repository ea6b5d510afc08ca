// Alpine components, registered for Alpine's CSP build: it evaluates no attribute strings as code, so a
// template only names a component (x-data="walkIn") and its properties and methods. Values from the
// server come from the page itself (form fields, data- attributes, json_script), never from inside an
// attribute Alpine reads. Loaded before Alpine, which starts as soon as its own script has run.
(function () {
  "use strict";

  document.addEventListener("alpine:init", function () {
    var Alpine = window.Alpine;

    // The wake-up alert strip on every desk page: while alerts are open it sounds a short tone each
    // time it is refreshed (about every 15 s), until a named person acknowledges them. The count comes
    // from the strip's data-open-alerts attribute. Browsers play sound only after the desk has
    // interacted with the page once; the red strip shows either way.
    Alpine.data("wakeupAlarm", function () {
      return {
        init: function () {
          if (Number(this.$el.dataset.openAlerts) > 0) this.beep();
        },
        beep: function () {
          var AudioContext = window.AudioContext || window.webkitAudioContext;
          if (!AudioContext) return;
          try {
            var context = window.hotelAlarmAudio || (window.hotelAlarmAudio = new AudioContext());
            var tone = context.createOscillator();
            var gain = context.createGain();
            tone.frequency.value = 880;
            gain.gain.value = 0.2;
            tone.connect(gain);
            gain.connect(context.destination);
            tone.start();
            tone.stop(context.currentTime + 0.4);
          } catch (error) {
            // no sound device: the strip is still there
          }
        },
      };
    });

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
