/* Names for the admin's form controls that have none of their own (WCAG 4.1.2): the boxes
   select2 draws for autocomplete fields (Django's widget names only the hidden <select>), and
   the cells of tabular inlines, which Django labels by the column's heading alone, and a
   control whose label points at an id it does not have. Pages work
   without it; it only names what scripts and tables leave unnamed. */
(function () {
  "use strict";

  function columnHeading(cell) {
    var row = cell.closest("tr");
    var table = cell.closest("table");
    if (!row || !table) return "";
    var index = Array.prototype.indexOf.call(row.children, cell);
    var heading = table.querySelectorAll("thead tr th")[index];
    return heading ? heading.textContent.trim() : "";
  }

  function nameOf(control) {
    if (control.id) {
      var label = document.querySelector('label[for="' + control.id + '"]');
      if (label) return label.textContent.replace(/:\s*$/, "").trim();
    }
    var cell = control.closest("td");
    return cell ? columnHeading(cell) : "";
  }

  function name(root) {
    // A label pointing at an id its control lacks (django-import-export's "Select all").
    root.querySelectorAll("label[for]").forEach(function (label) {
      var target = label.getAttribute("for");
      var control = label.previousElementSibling;
      if (document.getElementById(target) || !control || control.id) return;
      if (/^(INPUT|SELECT|TEXTAREA)$/.test(control.tagName)) control.id = target;
    });
    root.querySelectorAll("select, input, textarea").forEach(function (control) {
      if (control.type === "hidden" || control.getAttribute("aria-label")) return;
      if (control.id && document.querySelector('label[for="' + control.id + '"]')) return;
      var text = nameOf(control);
      if (text) control.setAttribute("aria-label", text);
    });
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var text = nameOf(select);
      var box = select.nextElementSibling;
      if (!text || !box || !box.classList.contains("select2")) return;
      box.querySelectorAll('[role="combobox"], [role="textbox"], .select2-search__field').forEach(function (el) {
        el.setAttribute("aria-label", text);
      });
      box.querySelectorAll("ul.select2-selection__rendered").forEach(function (list) {
        list.setAttribute("role", "list");
      });
    });
  }

  function start() {
    name(document);
    new MutationObserver(function () { name(document); }).observe(document.body, {
      childList: true, subtree: true
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
