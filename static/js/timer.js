// The running timer's elapsed time, ticking once a second, also in the tab's title (no
// inline script: see the CSP).
(function () {
  "use strict";
  var clocks = document.querySelectorAll("#elapsed, #timer-bar .elapsed");
  if (!clocks.length) return;
  var title = document.title;
  var project = document.querySelector("#timer-bar [data-project]");
  function pad(n) { return String(n).padStart(2, "0"); }
  function tick() {
    var text = "";
    clocks.forEach(function (el) {
      var s = Math.max(0, Math.floor((Date.now() - new Date(el.dataset.start)) / 1000));
      text = Math.floor(s / 3600) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
      el.textContent = text;
    });
    document.title = "▶ " + text + (project ? " " + project.dataset.project : "") + " · " + title;
  }
  tick();
  setInterval(tick, 1000);
})();
