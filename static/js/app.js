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

  document.addEventListener("DOMContentLoaded", function () {
    menu();
    taskPickers();
    shortcuts();
  });
})();
