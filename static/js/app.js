// Loaded in <head>, before the page: marks that JavaScript runs (the phone menu then starts
// closed), then wires the menu button, the task pickers and the keyboard shortcuts.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function menu() {
    var toggle = document.querySelector(".menu-toggle");
    if (!toggle) return;
    toggle.addEventListener("click", function () {
      var open = toggle.closest(".topbar").classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // A task picker shows only the chosen project's tasks; choosing a task sets its project.
  function taskPickers() {
    document.querySelectorAll("select[data-task-picker]").forEach(function (tasks) {
      var project = tasks.form && tasks.form.querySelector("select[name=project]");
      if (!project) return;
      function follow() {
        tasks.querySelectorAll("option[data-project]").forEach(function (option) {
          var other = option.value && project.value && option.dataset.project !== project.value;
          option.hidden = Boolean(other);
          option.disabled = Boolean(other);
          if (other && option.selected) tasks.value = "";
        });
      }
      project.addEventListener("change", follow);
      tasks.addEventListener("change", function () {
        var chosen = tasks.options[tasks.selectedIndex];
        if (chosen && chosen.dataset.project && project.value !== chosen.dataset.project) {
          project.value = chosen.dataset.project;
          follow();
        }
      });
      follow();
    });
  }

  // Keyboard shortcuts for the daily flow; "?" lists them. Never while typing.
  function shortcuts() {
    var dialog = document.getElementById("shortcuts");
    if (!dialog) return;
    var go = function (selector) {
      var link = document.querySelector(selector);
      if (link) window.location.href = link.getAttribute("href");
    };
    var actions = {
      "?": function () { dialog.open ? dialog.close() : dialog.showModal(); },
      s: function () {
        var stop = document.querySelector("#timer-bar form[data-shortcut=stop]");
        if (stop) { stop.submit(); return; }
        var project = document.querySelector(
          "#timer-start select[name=project], #timer-quick-start select[name=project]"
        );
        if (project) project.focus(); else go("a[data-shortcut=dashboard]");
      },
      p: function () {
        var pause = document.querySelector("#timer-bar form[data-shortcut=pause]");
        if (pause) pause.submit();
      },
      n: function () { go("a[data-shortcut=new-entry]"); },
      t: function () { go("a[data-shortcut=timesheet]"); },
      d: function () { go("a[data-shortcut=dashboard]"); },
      r: function () { go("a[data-shortcut=reports]"); }
    };
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target;
      if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
      var action = actions[event.key];
      if (!action) return;
      event.preventDefault();
      action();
    });
  }

  // A table wider than its box scrolls inside it: then the box is a named region that
  // takes the keyboard focus, so it can be scrolled without a mouse.
  function scrollBoxes() {
    var boxes = document.querySelectorAll(".table-scroll");
    function mark() {
      boxes.forEach(function (box) {
        if (box.scrollWidth > box.clientWidth) {
          box.setAttribute("tabindex", "0");
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", box.dataset.label + " (scrolls sideways)");
        } else {
          ["tabindex", "role", "aria-label"].forEach(function (name) { box.removeAttribute(name); });
        }
      });
    }
    mark();
    window.addEventListener("resize", mark);
  }

  // The timesheet's row, day and week totals follow what is typed, read as the server reads
  // it (parse_hours in tracking/timesheet.py); a cell left as shown counts its exact seconds.
  function timesheetTotals() {
    var form = document.querySelector("form[data-timesheet]");
    if (!form) return;
    var patterns = [
      [/^(\d{1,2}):([0-5]\d)$/, function (h, m) { return h * 3600 + m * 60; }],
      [/^(\d{1,2})\s*h\s*(?:(\d{1,2})\s*m?)?$/, function (h, m) { return h * 3600 + (m || 0) * 60; }],
      [/^(\d{1,4})\s*m(?:in)?$/, function (m) { return m * 60; }],
      [/^(\d{1,2})(?:[.,](\d{1,2}))?$/, function (h, f) { return parseFloat(h + "." + (f || 0)) * 3600; }]
    ];
    function seconds(input) {
      if (input.value === input.dataset.shown) return Number(input.dataset.seconds);
      var text = input.value.trim().toLowerCase();
      if (!text) return 0;
      for (var i = 0; i < patterns.length; i++) {
        var match = patterns[i][0].exec(text);
        if (match) return Math.round(patterns[i][1](match[1], match[2]) / 60) * 60;
      }
      return 0;
    }
    function clock(total) {
      var minutes = Math.round(total / 60);
      return Math.floor(minutes / 60) + ":" + String(minutes % 60).padStart(2, "0");
    }
    function update() {
      var days = [0, 0, 0, 0, 0, 0, 0];
      form.querySelectorAll("tr[data-row]").forEach(function (row) {
        var total = 0;
        row.querySelectorAll("td[data-day-index]").forEach(function (cell) {
          var value = seconds(cell.querySelector("input"));
          days[Number(cell.dataset.dayIndex)] += value;
          total += value;
        });
        row.querySelector("[data-row-total]").textContent = clock(total);
      });
      days.forEach(function (value, index) {
        form.querySelector("[data-day-total='" + index + "']").textContent = clock(value);
      });
      form.querySelector("#week-sum").textContent = clock(days.reduce(function (a, b) { return a + b; }, 0));
    }
    form.addEventListener("input", update);
    update();  // a page shown again after "Add a row" or a refused save holds typed cells
  }

  // A person without a time zone of their own gets their browser's, once: the server
  // stores it and sends them back to this page, now in their zone.
  function browserZone() {
    var form = document.getElementById("browser-zone");
    var zone = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!form || !zone) return;
    form.elements.time_zone.value = zone;
    form.submit();
  }

  // A step that cannot be undone asks first (form[data-confirm]).
  function confirmations() {
    document.addEventListener("submit", function (event) {
      var question = event.target.dataset && event.target.dataset.confirm;
      if (question && !window.confirm(question)) event.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    confirmations();
    browserZone();
    menu();
    timesheetTotals();
    scrollBoxes();
    taskPickers();
    shortcuts();
  });
})();
