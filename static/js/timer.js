// The running timer's elapsed time, ticking once a second (no inline script: see the CSP).
(function () {
  "use strict";
  var clocks = document.querySelectorAll("#elapsed, #timer-bar .elapsed");
  if (!clocks.length) return;
  function pad(n) { return String(n).padStart(2, "0"); }
  setInterval(function () {
    clocks.forEach(function (el) {
      var s = Math.max(0, Math.floor((Date.now() - new Date(el.dataset.start)) / 1000));
      el.textContent = Math.floor(s / 3600) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
    });
  }, 1000);
})();
