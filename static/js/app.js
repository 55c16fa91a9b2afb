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
    // Phones open their number keyboard in a cell (not written on each of hundreds of cells).
    form.querySelectorAll("tr[data-row] input").forEach(function (input) {
      input.inputMode = "decimal";
    });
    var patterns = [
      [/^(\d{1,2}):([0-5]\d)$/, function (h, m) { return h * 3600 + m * 60; }],
      [/^(\d{1,2})\s*h\s*(?:(\d{1,2})\s*m?)?$/, function (h, m) { return h * 3600 + (m || 0) * 60; }],
      [/^(\d{1,4})\s*m(?:in)?$/, function (m) { return m * 60; }],
      [/^(\d{1,2})(?:[.,](\d{1,2}))?$/, function (h, f) { return parseFloat(h + "." + (f || 0)) * 3600; }]
    ];
    function seconds(input) {
      // A cell carries data-shown only when what it holds was typed (a refused save).
      var shown = input.dataset.shown === undefined ? input.defaultValue : input.dataset.shown;
      var stored = Number(input.dataset.seconds || 0);
      if (input.value === shown) return stored;
      var text = input.value.trim().toLowerCase();
      if (!text) return 0;
      for (var i = 0; i < patterns.length; i++) {
        var match = patterns[i][0].exec(text);
        if (!match) continue;
        var typed = Math.round(patterns[i][1](match[1], match[2]) / 60) * 60;
        // Saving keeps a cell typed as the minutes it shows, seconds and all: so do totals.
        return typed === Math.round(stored / 60) * 60 ? stored : typed;
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
        row.querySelectorAll("td input").forEach(function (input, day) {
          var value = seconds(input);
          days[day] += value;
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

  // Notes fields offer earlier work (GET data-suggest?q=…) in a listbox: arrows move,
  // Enter picks, Escape closes. Picking fills the form's project, task, tags and billable.
  function suggestions() {
    document.querySelectorAll("[data-suggest]").forEach(function (field, index) {
      var form = field.form;
      var list = document.createElement("ul");
      var box = document.createElement("span");
      var items = [], active = -1, asked = 0;
      list.id = (field.id || "notes") + "-suggestions-" + index;
      list.className = "suggestions";
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", "Earlier work");
      list.hidden = true;
      box.className = field.tagName === "TEXTAREA" ? "suggest suggest-block" : "suggest";
      field.parentNode.insertBefore(box, field);
      box.appendChild(field);
      box.appendChild(list);
      // A one-line field is a combobox; a textarea keeps its own role and points at the list.
      if (field.tagName === "INPUT") {
        field.setAttribute("role", "combobox");
        field.setAttribute("aria-expanded", "false");
      }
      field.setAttribute("aria-autocomplete", "list");
      field.setAttribute("aria-controls", list.id);

      function close() {
        list.hidden = true;
        active = -1;
        field.removeAttribute("aria-activedescendant");
        if (field.tagName === "INPUT") field.setAttribute("aria-expanded", "false");
      }
      function show(found) {
        items = found;
        list.textContent = "";
        found.forEach(function (item, n) {
          var option = document.createElement("li");
          var where = document.createElement("span");
          option.id = list.id + "-" + n;
          option.setAttribute("role", "option");
          option.setAttribute("aria-selected", "false");
          option.textContent = item.notes;
          where.className = "muted";
          where.textContent = " · " + item.project_name + (item.task_name ? " · " + item.task_name : "");
          option.appendChild(where);
          option.addEventListener("mousedown", function (event) {
            event.preventDefault();  // keep the focus in the field
            pick(n);
          });
          list.appendChild(option);
        });
        if (!found.length) return close();
        list.hidden = false;
        if (field.tagName === "INPUT") field.setAttribute("aria-expanded", "true");
      }
      function highlight(n) {
        var options = list.querySelectorAll("[role=option]");
        options.forEach(function (option, k) { option.setAttribute("aria-selected", k === n ? "true" : "false"); });
        active = n;
        field.setAttribute("aria-activedescendant", options[n].id);
        options[n].scrollIntoView({ block: "nearest" });
      }
      function set(name, value, label, project) {
        var input = form && form.elements[name];
        if (!input) return;
        if (input.tagName === "SELECT" && value !== null && label) ensureOption(input, value, label, project);
        if (input.type === "checkbox") input.checked = Boolean(value);
        else input.value = value === null || value === undefined ? "" : String(value);
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
      function pick(n) {
        var item = items[n];
        field.value = item.notes;
        set("project", item.project, item.project_name);
        set("task", item.task, item.task_name && item.project_name + " · " + item.task_name, item.project);
        set("tags", item.tags.join(", "));
        set("billable", item.billable);
        close();
        field.dispatchEvent(new CustomEvent("suggestion-picked", { bubbles: true }));
      }
      field.addEventListener("input", function () {
        var text = field.value.trim();
        var ticket = ++asked;
        if (!text) return close();
        fetch(field.dataset.suggest + "?q=" + encodeURIComponent(text), { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (found) { if (ticket === asked) show(found); })
          .catch(close);
      });
      field.addEventListener("keydown", function (event) {
        if (list.hidden) return;
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          event.preventDefault();
          var step = event.key === "ArrowDown" ? 1 : -1;
          highlight((active + step + items.length) % items.length);
        } else if (event.key === "Enter" && active >= 0) {
          event.preventDefault();
          pick(active);
        } else if (event.key === "Escape") {
          event.preventDefault();
          close();
        }
      });
      field.addEventListener("blur", close);
    });
  }

  // Adds <option value=value>label</option> to a select that lacks it (a long project
  // picker offers only some projects); returns the option.
  function ensureOption(select, value, label, project) {
    var found = Array.prototype.find.call(select.options, function (o) { return o.value === String(value); });
    if (found) return found;
    var option = new Option(label, String(value));
    if (project !== undefined) option.dataset.project = String(project);
    var finder = select.querySelector("option[data-finder]");
    select.insertBefore(option, finder);
    return option;
  }

  // A long project picker (select[data-find]) offers the person's recent projects, then
  // "Find another project…", which opens a search box (GET data-find?q=…): what it finds
  // replaces the earlier finds in the picker (the first one chosen, and said so in a live
  // status), and the projects' open tasks join the form's task picker.
  function projectFinders() {
    document.querySelectorAll("select[data-find]").forEach(function (select) {
      var form = select.form;
      var finder = new Option("Find another project…", "");
      var find = document.createElement("input");
      Array.prototype.forEach.call(select.options, function (option) { option.dataset.recent = ""; });
      var status = document.createElement("span");
      var asked = 0;
      finder.dataset.finder = "";
      select.appendChild(finder);
      find.type = "search";
      find.id = (select.id || "project") + "-find";
      find.className = "find";
      find.placeholder = "Type to find a project";
      find.autocomplete = "off";
      find.setAttribute("aria-label", "Find a project");
      find.hidden = true;
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      select.parentNode.insertBefore(status, select.nextSibling);
      select.parentNode.insertBefore(find, select.nextSibling);
      function open() {
        find.hidden = false;
        find.focus();
      }
      select.addEventListener("change", function () {
        if (select.options[select.selectedIndex].hasAttribute("data-finder")) open();
      });
      // Nothing else to offer (every recent project is in use): the search box is the picker.
      if (select.options.length === 1) find.hidden = false;
      function show(found, text) {
        select.querySelectorAll("option[data-found]").forEach(function (option) { option.remove(); });
        var taskPickers = form ? form.querySelectorAll("select[data-task-picker]") : [];
        found.forEach(function (project) {
          var option = ensureOption(select, project.id, project.name + " (" + project.client + ")");
          if (!option.hasAttribute("data-recent")) option.dataset.found = "";
          taskPickers.forEach(function (tasks) {
            project.tasks.forEach(function (task) {
              ensureOption(tasks, task.id, project.name + " · " + task.title, project.id);
            });
          });
        });
        if (!found.length) {
          status.textContent = "No project matches “" + text + "”.";
          return;
        }
        select.value = String(found[0].id);
        select.dispatchEvent(new Event("change", { bubbles: true }));
        status.textContent = found.length + " found; " + select.options[select.selectedIndex].text + " is chosen.";
      }
      find.addEventListener("input", function () {
        var text = find.value.trim();
        var ticket = ++asked;
        if (!text) return;
        var url = select.dataset.find;
        fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(text), { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : Promise.reject(response); })
          .then(function (found) { if (ticket === asked) show(found, text); })
          .catch(function () { status.textContent = "The search did not answer: reload the page and try again."; });
      });
    });
  }

  // The calendar's empty hour slots: click an hour of a day to add time there. Made here
  // from the hour labels (the same 24 on every day) rather than sent as 168 links a week;
  // without JavaScript each day's "Add time" link does the same.
  function calendarSlots() {
    var grid = document.querySelector(".cal-grid[data-new-url]");
    if (!grid) return;
    var hours = grid.querySelectorAll(".cal-hours > span");
    grid.querySelectorAll(".cal-day[data-date]").forEach(function (day) {
      var slots = document.createDocumentFragment();
      hours.forEach(function (hour) {
        var at = hour.textContent;
        var link = document.createElement("a");
        link.className = "cal-slot " + hour.className;  // its row: cal-at-N cal-span-4
        link.tabIndex = -1;
        link.href = grid.dataset.newUrl + "?" + new URLSearchParams(
          { date: day.dataset.date, start_time: at, next: grid.dataset.back }
        );
        var plus = document.createElement("span");
        plus.className = "cal-plus";
        plus.setAttribute("aria-hidden", "true");
        plus.textContent = "+";
        var label = document.createElement("span");
        label.className = "visually-hidden";
        label.textContent = "Add time on " + day.getAttribute("aria-label") + " at " + at;
        link.append(plus, label);
        slots.append(link);
      });
      day.prepend(slots);
    });
  }

  // The calendar opens on the working day (or the earliest entry), not at midnight.
  function calendarScroll() {
    var box = document.querySelector(".cal-scroll[data-scroll-hour]");
    if (!box || !box.offsetParent) return;
    var hour = box.querySelector('.cal-hours [data-hour="' + box.dataset.scrollHour + '"]');
    var head = box.querySelector(".cal-head");
    if (hour) box.scrollTop = hour.offsetTop - (head ? head.offsetHeight : 0) - box.offsetTop;
  }

  // "Copy" buttons (button[data-copy=<input id>]) put the field's text on the clipboard and
  // say so; where the clipboard API is not offered (plain HTTP), the text is selected.
  function copyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var field = document.getElementById(button.dataset.copy);
      var status = document.querySelector('[data-copied-for="' + button.dataset.copy + '"]');
      button.addEventListener("click", function () {
        field.select();
        var said = function (text) { if (status) status.textContent = text; };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(
            function () { said("Copied."); },
            function () { said("Selected: press Ctrl+C (⌘C) to copy."); }
          );
        } else {
          said("Selected: press Ctrl+C (⌘C) to copy.");
        }
      });
    });
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
    projectFinders();
    taskPickers();
    suggestions();
    copyButtons();
    calendarSlots();
    calendarScroll();
    shortcuts();
  });
})();
