// Loaded in <head>, before the page: marks that JavaScript runs (the phone menu then starts
// closed), and wires the menu button and the keyboard shortcuts once the page is parsed.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector(".menu-toggle");
    if (toggle) {
      toggle.addEventListener("click", function () {
        var bar = toggle.closest(".topbar");
        var open = bar.classList.toggle("open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
  });
})();
